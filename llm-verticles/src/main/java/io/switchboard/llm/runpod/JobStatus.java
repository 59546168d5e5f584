package io.switchboard.llm.runpod;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.config.Secrets;
import io.vertx.core.json.JsonObject;

/**
 * RunPod's documented job states. {@code RUNNING} appears in the docs beside {@code IN_PROGRESS} and means the same.
 * The terminal states other than {@code COMPLETED} become mesh failures here.
 */
enum JobStatus {
  IN_QUEUE, IN_PROGRESS, COMPLETED, FAILED, CANCELLED, TIMED_OUT;

  private static final int MAX_ERROR = 300;

  static JobStatus of(JsonObject job) {
    String s = job == null ? null : job.getString("status");
    if (s == null) {
      throw new MeshException(ErrorCode.UPSTREAM, "runpod answered without a job status");
    }
    return switch (s) {
      case "IN_QUEUE" -> IN_QUEUE;
      case "IN_PROGRESS", "RUNNING" -> IN_PROGRESS;
      case "COMPLETED" -> COMPLETED;
      case "FAILED" -> FAILED;
      case "CANCELLED" -> CANCELLED;
      case "TIMED_OUT" -> TIMED_OUT;
      default -> throw new MeshException(ErrorCode.UPSTREAM, "runpod returned an unknown job status '" + s + "'");
    };
  }

  boolean terminal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED || this == TIMED_OUT;
  }

  /** The failure a terminal, unsuccessful job means; the worker's own error text is redacted and cut short. */
  MeshException failure(JsonObject job, String apiKey) {
    String id = job.getString("id", "?");
    return switch (this) {
      case FAILED -> new MeshException(ErrorCode.UPSTREAM, "runpod job " + id + " failed: " + errorText(job, apiKey));
      case TIMED_OUT -> new MeshException(ErrorCode.TIMEOUT, "runpod job " + id + " timed out on the endpoint");
      case CANCELLED -> new MeshException(ErrorCode.CANCELLED, "runpod job " + id + " was cancelled");
      default -> throw new IllegalStateException(this + " is not a failure");
    };
  }

  private static String errorText(JsonObject job, String apiKey) {
    Object error = job.getValue("error");
    String text = error == null ? "no error text" : String.valueOf(error);
    text = Secrets.redact(text, apiKey);
    return text.length() <= MAX_ERROR ? text : text.substring(0, MAX_ERROR) + "...";
  }
}
