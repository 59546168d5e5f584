package io.switchboard.core.runpod;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.config.Secrets;
import io.vertx.core.json.JsonObject;

/**
 * RunPod's documented job states. {@code RUNNING} appears in the docs beside {@code IN_PROGRESS} and means the same.
 * The terminal states other than {@code COMPLETED} become mesh failures here.
 */
public enum JobStatus {
  IN_QUEUE, IN_PROGRESS, COMPLETED, FAILED, CANCELLED, TIMED_OUT;

  private static final int MAX_ERROR = 400;

  /** The state of a job document; a document without one, or with one RunPod does not document, is an upstream fault. */
  public static JobStatus of(JsonObject job) {
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
      default -> throw new MeshException(ErrorCode.UPSTREAM, "runpod answered an unknown job status '" + clip(s) + "'");
    };
  }

  public boolean terminal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED || this == TIMED_OUT;
  }

  /**
   * The failure a terminal, unsuccessful job means, for backend {@code id}; the worker's own error text is redacted
   * of {@code secret} and cut short. A job we did not cancel that ends {@code CANCELLED} was stopped upstream (an
   * operator, RunPod itself): an upstream fault another backend can make up for, not the caller's cancel.
   */
  public MeshException failure(String id, String jobId, JsonObject job, String secret) {
    return switch (this) {
      case FAILED -> new MeshException(ErrorCode.UPSTREAM, id + ": runpod job " + jobId + " failed: " + errorText(job, secret));
      case TIMED_OUT -> new MeshException(ErrorCode.TIMEOUT, id + ": runpod job " + jobId + " timed out on the endpoint");
      case CANCELLED -> new MeshException(ErrorCode.UPSTREAM, id + ": runpod job " + jobId + " was cancelled upstream");
      default -> throw new IllegalStateException(this + " is not a failure");
    };
  }

  private static String errorText(JsonObject job, String secret) {
    Object error = job == null ? null : job.getValue("error");
    return clip(Secrets.redact(error == null ? "no error text" : String.valueOf(error), secret));
  }

  private static String clip(String text) {
    return text.length() <= MAX_ERROR ? text : text.substring(0, MAX_ERROR) + "...";
  }
}
