package io.switchboard.realtime.openai;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.config.Secrets;
import io.vertx.core.json.JsonObject;

/**
 * A Realtime {@code error} event's {@code error} object ({@code type}, {@code code}, {@code message}) as the mesh's
 * error: an expired session is a timeout, a rate limit a rate limit, bad credentials an upstream error (the backend's
 * key, not the caller's), a server error an upstream error, a bad client event an invalid request. The key never
 * appears in the message.
 */
final class RealtimeErrors {

  private RealtimeErrors() {
  }

  static MeshException map(String backendId, JsonObject error, String secret) {
    String code = error.getString("code", "");
    String type = error.getString("type", "");
    String said = Secrets.redact(error.getString("message", code), secret);
    String text = backendId + ": " + (said == null || said.isBlank() ? type : said) + (code.isEmpty() ? "" : " (" + code + ")");
    ErrorCode mapped;
    if (code.equals("session_expired")) {
      mapped = ErrorCode.TIMEOUT;
    } else if (code.contains("rate_limit") || type.equals("rate_limit_error")) {
      mapped = ErrorCode.RATE_LIMITED;
    } else if (code.equals("invalid_api_key") || type.equals("authentication_error")) {
      mapped = ErrorCode.UPSTREAM;
    } else if (type.equals("invalid_request_error")) {
      mapped = ErrorCode.INVALID_REQUEST;
    } else {
      mapped = ErrorCode.UPSTREAM;
    }
    return new MeshException(mapped, text, error.getString("param"), 0);
  }
}
