package io.switchboard.llm.anthropic;

import io.netty.channel.ConnectTimeoutException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.config.Secrets;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.net.ConnectException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

/**
 * Anthropic's failures in the mesh taxonomy. Anthropic documents one error shape,
 * {@code {"type":"error","error":{"type":..., "message":...}}}, sent with an HTTP status before a stream starts and
 * as an SSE {@code error} event after; both go through {@link #classify}. Every message is redacted of the key.
 */
final class AnthropicErrors {

  private static final int MAX_MESSAGE = 300;

  private AnthropicErrors() {
  }

  /** A non-2xx response: status, {@code retry-after} header and the (possibly non-JSON) body. */
  static MeshException fromResponse(int status, String retryAfter, Buffer body, String apiKey) {
    String type = null;
    String message = null;
    try {
      JsonObject json = body == null || body.length() == 0 ? null : new JsonObject(body);
      JsonObject error = json == null ? null : json.getJsonObject("error");
      if (error != null) {
        type = error.getString("type");
        message = error.getString("message");
      }
    } catch (DecodeException | ClassCastException e) {
      // A proxy or Cloudflare page (413 comes from Cloudflare, before the API): the status says enough.
    }
    return classify(status, type, message, retryAfterMs(retryAfter), apiKey);
  }

  /** The data of an SSE {@code error} event: no HTTP status, so the error type decides. */
  static MeshException fromErrorEvent(String data, String apiKey) {
    String type = null;
    String message = null;
    try {
      JsonObject error = new JsonObject(data).getJsonObject("error");
      if (error != null) {
        type = error.getString("type");
        message = error.getString("message");
      }
    } catch (DecodeException | ClassCastException e) {
      message = data;
    }
    return classify(statusOf(type), type, message, 0, apiKey);
  }

  /** Failures of the connection itself. */
  static MeshException fromTransport(Throwable t, String apiKey) {
    if (t instanceof MeshException m) {
      return m;
    }
    String detail = Secrets.redact(String.valueOf(t.getMessage()), apiKey);
    if (t instanceof TimeoutException || t instanceof ConnectTimeoutException) {
      return new MeshException(ErrorCode.TIMEOUT, "anthropic: timed out (" + detail + ")");
    }
    if (t instanceof ConnectException) {
      return new MeshException(ErrorCode.UNAVAILABLE, "anthropic unreachable: " + detail);
    }
    return new MeshException(ErrorCode.UPSTREAM, "anthropic connection failed: " + t.getClass().getSimpleName() + " " + detail);
  }

  /** The documented status of each error type, for errors that arrive without one (stream events). */
  static int statusOf(String type) {
    return switch (type == null ? "" : type) {
      case "invalid_request_error" -> 400;
      case "authentication_error" -> 401;
      case "billing_error" -> 402;
      case "permission_error" -> 403;
      case "not_found_error" -> 404;
      case "request_too_large" -> 413;
      case "rate_limit_error" -> 429;
      case "api_error" -> 500;
      case "timeout_error" -> 504;
      case "overloaded_error" -> 529;
      default -> 502;
    };
  }

  static MeshException classify(int status, String type, String upstreamMessage, long retryAfterMs, String apiKey) {
    String said = upstreamMessage == null ? "" : ": " + truncate(Secrets.redact(upstreamMessage, apiKey));
    String tag = " (" + (type == null ? "HTTP " + status : type) + ")";
    return switch (status) {
      case 400 -> upstreamMessage != null && upstreamMessage.toLowerCase(Locale.ROOT).contains("prompt is too long")
        ? new MeshException(ErrorCode.CONTEXT_TOO_LONG, "anthropic: prompt is too long for the model" + said, "messages")
        : new MeshException(ErrorCode.INVALID_REQUEST, "anthropic rejected the request" + said);
      // The caller's key did not fail, ours did: an operator problem the router should route around.
      case 401 -> new MeshException(ErrorCode.UPSTREAM, "anthropic: credentials rejected upstream" + tag);
      case 402 -> new MeshException(ErrorCode.UPSTREAM, "anthropic: billing problem upstream" + said + tag);
      case 403 -> new MeshException(ErrorCode.UPSTREAM, "anthropic: permission denied upstream" + said + tag);
      case 404 -> new MeshException(ErrorCode.MODEL_NOT_FOUND, "anthropic: not found" + said, "model");
      case 408, 504 -> new MeshException(ErrorCode.TIMEOUT, "anthropic timed out" + said + tag, null, retryAfterMs);
      case 413 -> new MeshException(ErrorCode.PAYLOAD_TOO_LARGE, "anthropic: request too large (32 MB at most)" + said);
      case 429 -> new MeshException(ErrorCode.RATE_LIMITED, "anthropic rate limit" + said, null, retryAfterMs);
      case 529 -> new MeshException(ErrorCode.UNAVAILABLE, "anthropic is overloaded" + said, null, retryAfterMs);
      default -> new MeshException(ErrorCode.UPSTREAM, "anthropic error" + said + tag, null, retryAfterMs);
    };
  }

  /** {@code retry-after}: seconds (possibly fractional) or an HTTP date; 0 when absent or unreadable. */
  static long retryAfterMs(String value) {
    if (value == null || value.isBlank()) {
      return 0;
    }
    try {
      return Math.max(0, Math.round(Double.parseDouble(value.trim()) * 1000));
    } catch (NumberFormatException e) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        return Math.max(0, Duration.between(ZonedDateTime.now(at.getZone()), at).toMillis());
      } catch (RuntimeException e2) {
        return 0;
      }
    }
  }

  private static String truncate(String s) {
    return s.length() <= MAX_MESSAGE ? s : s.substring(0, MAX_MESSAGE) + "...";
  }
}
