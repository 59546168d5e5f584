package io.switchboard.api;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * A failure of the mesh, carried on the bus (codec {@link MeshExceptionCodec}) and turned into OpenAI's error
 * JSON over HTTP. It names the {@link ErrorCode}, the offending request field when there is one, and how long
 * to wait before retrying when the upstream said so. Messages must never contain secrets.
 */
public final class MeshException extends ReplyException {

  private final ErrorCode errorCode;
  private final String param;
  private final long retryAfterMs;

  public MeshException(ErrorCode errorCode, String message) {
    this(errorCode, message, null, 0);
  }

  public MeshException(ErrorCode errorCode, String message, String param) {
    this(errorCode, message, param, 0);
  }

  public MeshException(ErrorCode errorCode, String message, String param, long retryAfterMs) {
    super(ReplyFailure.RECIPIENT_FAILURE, errorCode.httpStatus(), message);
    this.errorCode = errorCode;
    this.param = param;
    this.retryAfterMs = Math.max(0, retryAfterMs);
  }

  public static MeshException invalid(String param, String message) {
    return new MeshException(ErrorCode.INVALID_REQUEST, message, param);
  }

  public ErrorCode errorCode() {
    return errorCode;
  }

  /** The request field at fault, or null. */
  public String param() {
    return param;
  }

  /** Milliseconds the caller should wait before retrying (from an upstream's Retry-After), 0 when unknown. */
  public long retryAfterMs() {
    return retryAfterMs;
  }

  /**
   * The mesh view of any failure: a {@code MeshException} as is; a bare {@code ReplyException} by its code
   * (timeouts and no-handler failures of the bus become {@link ErrorCode#TIMEOUT} and {@link ErrorCode#UNAVAILABLE});
   * anything else as an internal error whose message is not exposed.
   */
  public static MeshException from(Throwable t) {
    if (t instanceof MeshException m) {
      return m;
    }
    if (t instanceof ReplyException r) {
      return switch (r.failureType()) {
        case TIMEOUT -> new MeshException(ErrorCode.TIMEOUT, "timed out waiting for " + describe(r));
        case NO_HANDLERS -> new MeshException(ErrorCode.UNAVAILABLE, "no handler: " + describe(r));
        default -> new MeshException(ErrorCode.fromFailureCode(r.failureCode()), r.getMessage());
      };
    }
    return new MeshException(ErrorCode.INTERNAL, "internal error (" + t.getClass().getSimpleName() + ")");
  }

  private static String describe(ReplyException r) {
    return r.getMessage() == null ? "the bus" : r.getMessage();
  }

  /** OpenAI's error JSON: {@code {"error":{"message","type","param","code"}}}. */
  public JsonObject toOpenAiJson() {
    return new JsonObject().put("error", new JsonObject()
      .put("message", getMessage())
      .put("type", errorCode.type())
      .put("param", param)
      .put("code", errorCode.openAiCode()));
  }

  JsonObject toWireJson() {
    JsonObject json = new JsonObject().put("code", errorCode.name()).put("message", getMessage());
    if (param != null) {
      json.put("param", param);
    }
    if (retryAfterMs > 0) {
      json.put("retry_after_ms", retryAfterMs);
    }
    return json;
  }

  static MeshException fromWireJson(JsonObject json) {
    ErrorCode code;
    try {
      code = ErrorCode.valueOf(json.getString("code"));
    } catch (RuntimeException e) {
      code = ErrorCode.INTERNAL;
    }
    return new MeshException(code, json.getString("message"), json.getString("param"), json.getLong("retry_after_ms", 0L));
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    // A routine, expected failure travelling on the bus: a stack trace is cost without information.
    return this;
  }

  @Override
  public String toString() {
    return "MeshException[" + errorCode + "] " + getMessage();
  }
}
