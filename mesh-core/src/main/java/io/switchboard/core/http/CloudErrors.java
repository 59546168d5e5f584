package io.switchboard.core.http;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.config.Secrets;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * The one mapping from what a cloud speech API answers (status, error body, Retry-After) or how the call broke
 * (refused, timed out, cut) to the mesh {@link ErrorCode}s, shared by the OpenAI, OpenRouter and RunPod adapters.
 * Every message names the backend id, carries the upstream's own words when they help, and is redacted of the key.
 *
 * <p>Quota exhaustion ({@code insufficient_quota}, {@code quota_exceeded}, OpenRouter's 402) is
 * {@link ErrorCode#UPSTREAM}, not {@link ErrorCode#RATE_LIMITED}: waiting will not refill the account, while another
 * backend can serve the request at once, so the router should fail over and the breaker should count it.
 */
public final class CloudErrors {

  private static final int MAX_MESSAGE = 400;
  private static final Set<String> QUOTA_CODES = Set.of("insufficient_quota", "quota_exceeded");

  private CloudErrors() {
  }

  /** The failure for a non-2xx upstream response. */
  public static MeshException fromResponse(String id, int status, MultiMap headers, Buffer body, String secret) {
    return fromStatus(id, status, upstreamCode(body), upstreamMessage(body), retryAfterMs(headers, System.currentTimeMillis()), secret);
  }

  /** The failure for an upstream status whose code and message were already read (e.g. an error in a 200 body). */
  public static MeshException fromStatus(String id, int status, String code, String message, long retryAfterMs, String secret) {
    String said = message == null || message.isBlank() ? "" : ": " + clip(Secrets.redact(message, secret));
    if (code != null && QUOTA_CODES.contains(code)) {
      return new MeshException(ErrorCode.UPSTREAM, id + ": upstream quota exhausted (" + code + ")" + said, null, retryAfterMs);
    }
    return switch (status) {
      case 400, 422 -> new MeshException(ErrorCode.INVALID_REQUEST, id + ": upstream rejected the request" + said);
      case 401 -> new MeshException(ErrorCode.UPSTREAM, id + ": upstream rejected the credentials");
      case 402 -> new MeshException(ErrorCode.UPSTREAM, id + ": upstream account is out of credits" + said);
      case 403 -> new MeshException(ErrorCode.UPSTREAM, id + ": upstream refused access (403)" + said);
      case 404 -> new MeshException(ErrorCode.MODEL_NOT_FOUND, id + ": upstream does not know the model or endpoint" + said);
      case 408 -> new MeshException(ErrorCode.TIMEOUT, id + ": upstream timed out (408)" + said);
      case 413 -> new MeshException(ErrorCode.PAYLOAD_TOO_LARGE, id + ": upstream says the audio is too large" + said);
      case 415 -> new MeshException(ErrorCode.UNSUPPORTED_MEDIA, id + ": upstream cannot read this media type" + said);
      case 429 -> new MeshException(ErrorCode.RATE_LIMITED, id + ": upstream rate limit" + said, null, retryAfterMs);
      default -> status >= 500
        ? new MeshException(ErrorCode.UPSTREAM, id + ": upstream error " + status + said, null, retryAfterMs)
        : new MeshException(ErrorCode.INVALID_REQUEST, id + ": upstream answered " + status + said);
    };
  }

  /** The failure for a call that broke below HTTP: refused, unreachable, reset or cut. */
  public static MeshException transport(String id, Throwable t) {
    if (t instanceof MeshException m) {
      return m;
    }
    // netty's ConnectTimeoutException is a ConnectException: test for the timeout first.
    if (t.getClass().getName().endsWith("ConnectTimeoutException")) {
      return new MeshException(ErrorCode.TIMEOUT, id + ": connecting to upstream timed out");
    }
    if (t instanceof ConnectException || t instanceof UnknownHostException) {
      return new MeshException(ErrorCode.UNAVAILABLE, id + ": cannot connect to upstream (" + t.getClass().getSimpleName() + ")");
    }
    if (t instanceof TimeoutException) {
      return new MeshException(ErrorCode.TIMEOUT, id + ": upstream timed out");
    }
    return new MeshException(ErrorCode.UPSTREAM, id + ": upstream connection failed (" + t.getClass().getSimpleName() + ")");
  }

  /**
   * The upstream's human message from the error bodies these APIs send: OpenAI/OpenRouter
   * {@code {"error":{"message"}}}, RunPod {@code {"error":"..."}}, FastAPI {@code {"detail":{"message"}}} or
   * {@code {"detail":[{"msg"}]}}, else the start of the raw text.
   */
  public static String upstreamMessage(Buffer body) {
    if (body == null || body.length() == 0) {
      return null;
    }
    JsonObject json = parse(body);
    if (json == null) {
      return body.getString(0, Math.min(body.length(), MAX_MESSAGE));
    }
    Object error = json.getValue("error");
    if (error instanceof JsonObject e && e.getValue("message") != null) {
      return String.valueOf(e.getValue("message"));
    }
    if (error instanceof String s) {
      return s;
    }
    Object detail = json.getValue("detail");
    if (detail instanceof JsonObject d) {
      return d.getString("message", d.encode());
    }
    if (detail instanceof JsonArray list && !list.isEmpty()) {
      return list.getValue(0) instanceof JsonObject first ? validation(first) : String.valueOf(list.getValue(0));
    }
    if (detail instanceof String s) {
      return s;
    }
    return json.getString("message", json.encode());
  }

  /** The upstream's machine code ({@code error.code}, {@code error.type}, {@code detail.status}), or null. */
  public static String upstreamCode(Buffer body) {
    JsonObject json = body == null || body.length() == 0 ? null : parse(body);
    if (json == null) {
      return null;
    }
    if (json.getValue("error") instanceof JsonObject e) {
      Object code = e.getValue("code");
      return code instanceof String s ? s : e.getString("type");
    }
    if (json.getValue("detail") instanceof JsonObject d) {
      return d.getString("status");
    }
    return null;
  }

  /** Milliseconds to wait from {@code retry-after-ms}, or {@code Retry-After} in seconds or as an HTTP date; 0 when absent. */
  public static long retryAfterMs(MultiMap headers, long nowMs) {
    if (headers == null) {
      return 0;
    }
    String ms = headers.get("retry-after-ms");
    if (ms != null) {
      try {
        return Math.max(0, (long) Double.parseDouble(ms.trim()));
      } catch (NumberFormatException ignored) {
        // fall through to Retry-After
      }
    }
    String v = headers.get("retry-after");
    if (v == null || v.isBlank()) {
      return 0;
    }
    try {
      return Math.max(0, (long) (Double.parseDouble(v.trim()) * 1000));
    } catch (NumberFormatException notSeconds) {
      try {
        long at = ZonedDateTime.parse(v.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
        return Math.max(0, at - nowMs);
      } catch (DateTimeParseException notDate) {
        return 0;
      }
    }
  }

  private static String validation(JsonObject item) {
    String msg = item.getString("msg", item.encode());
    Object loc = item.getValue("loc");
    return loc instanceof JsonArray path ? msg + " (" + String.join(".", path.stream().map(String::valueOf).toList()) + ")" : msg;
  }

  private static JsonObject parse(Buffer body) {
    try {
      return body.toJsonValue() instanceof JsonObject o ? o : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String clip(String s) {
    return s.length() <= MAX_MESSAGE ? s : s.substring(0, MAX_MESSAGE) + "...";
  }
}
