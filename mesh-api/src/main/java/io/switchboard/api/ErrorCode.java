package io.switchboard.api;

/**
 * The one error taxonomy of the mesh, shared by every adapter. On the bus a failure is a
 * {@link io.vertx.core.eventbus.ReplyException} whose {@code failureCode()} is {@link #httpStatus()}; over HTTP it
 * becomes OpenAI's error JSON with {@link #type()} and {@link #openAiCode()}.
 * Two classes may share a status (invalid request and context too long are both 400); a
 * {@link MeshException} names the exact class, a plain {@code ReplyException} from a foreign service maps to
 * the first class with its status ({@link #fromFailureCode(int)}).
 */
public enum ErrorCode {
  INVALID_REQUEST(400, "invalid_request_error", "invalid_request", false),
  CONTEXT_TOO_LONG(400, "invalid_request_error", "context_length_exceeded", false),
  AUTHENTICATION(401, "authentication_error", "invalid_api_key", false),
  BUDGET_EXCEEDED(402, "insufficient_quota", "budget_exceeded", false),
  PERMISSION(403, "permission_error", "permission_denied", false),
  MODEL_NOT_FOUND(404, "invalid_request_error", "model_not_found", false),
  NOT_FOUND(404, "invalid_request_error", "not_found", false),
  METHOD_NOT_ALLOWED(405, "invalid_request_error", "method_not_allowed", false),
  /** A well-formed request that the resource's present state refuses (changing a key revoked before or meanwhile). */
  CONFLICT(409, "invalid_request_error", "conflict", false),
  PAYLOAD_TOO_LARGE(413, "invalid_request_error", "payload_too_large", false),
  UNSUPPORTED_MEDIA(415, "invalid_request_error", "unsupported_media_type", false),
  RATE_LIMITED(429, "rate_limit_error", "rate_limit_exceeded", true),
  CANCELLED(499, "cancelled", "cancelled", false),
  INTERNAL(500, "server_error", "internal_error", true),
  UPSTREAM(502, "api_error", "upstream_error", true),
  UNAVAILABLE(503, "service_unavailable", "no_healthy_backend", true),
  TIMEOUT(504, "timeout_error", "timeout", true);

  private final int httpStatus;
  private final String type;
  private final String openAiCode;
  private final boolean upstreamFault;

  ErrorCode(int httpStatus, String type, String openAiCode, boolean upstreamFault) {
    this.httpStatus = httpStatus;
    this.type = type;
    this.openAiCode = openAiCode;
    this.upstreamFault = upstreamFault;
  }

  /** The HTTP status, which is also the failure code of a {@code ReplyException} on the bus. */
  public int httpStatus() {
    return httpStatus;
  }

  /** OpenAI error {@code type}. */
  public String type() {
    return type;
  }

  /** OpenAI error {@code code}. */
  public String openAiCode() {
    return openAiCode;
  }

  /**
   * True for failures of the backend or the way to it (rate limits, 5xx, timeouts): the router may try another
   * backend and a circuit breaker counts them. False for failures of the caller's making, which no other
   * backend would answer differently.
   */
  public boolean upstreamFault() {
    return upstreamFault;
  }

  /**
   * The class of a bare failure code: the first class with that status; 408 (a timeout, as {@code UpstreamErrors} reads
   * an upstream's 408) {@link #TIMEOUT}; another 4xx {@link #INVALID_REQUEST}; anything else {@link #INTERNAL}.
   */
  public static ErrorCode fromFailureCode(int code) {
    for (ErrorCode c : values()) {
      if (c.httpStatus == code) {
        return c;
      }
    }
    if (code == 408) {
      return TIMEOUT;
    }
    return code >= 400 && code < 500 ? INVALID_REQUEST : INTERNAL;
  }

  /** The class for an OpenAI-style error code string, or null. */
  public static ErrorCode fromOpenAiCode(String code) {
    for (ErrorCode c : values()) {
      if (c.openAiCode.equals(code)) {
        return c;
      }
    }
    return null;
  }
}
