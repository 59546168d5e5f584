package io.switchboard.llm.openai;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.config.Secrets;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * The one place where what an OpenAI-compatible upstream did wrong becomes a {@link MeshException}: an HTTP error
 * status with its body and headers, or a transport failure before the response. Upstream text is redacted with
 * the backend's key before it goes anywhere, and credential failures carry no upstream text at all (providers
 * echo part of the key in them).
 */
public final class OpenAiErrors {

  static final long DEFAULT_RETRY_AFTER_MS = 1000;
  private static final long MAX_RETRY_AFTER_MS = 24 * 3600 * 1000L;
  private static final int MAX_TEXT = 500;

  private OpenAiErrors() {
  }

  /** What an upstream error body says, whichever of the common shapes it came in. */
  record UpstreamError(String message, String type, String param, String code) {
  }

  /** The mesh error for an upstream HTTP error reply. */
  public static MeshException fromStatus(String id, int status, MultiMap headers, Buffer body, String apiKey) {
    return fromStatus(id, status, headers, body, apiKey, System::currentTimeMillis);
  }

  static MeshException fromStatus(String id, int status, MultiMap headers, Buffer body, String apiKey, LongSupplier clock) {
    return fromParsed(id, status, headers, parse(body), apiKey, clock);
  }

  private static MeshException fromParsed(String id, int status, MultiMap headers, UpstreamError e, String apiKey,
                                          LongSupplier clock) {
    String text = Secrets.redact(e.message(), apiKey);
    String detail = text == null || text.isBlank() ? "" : ": " + text;
    return switch (status) {
      case 400, 422 -> isContextTooLong(e)
        ? new MeshException(ErrorCode.CONTEXT_TOO_LONG, id + detail, e.param())
        : new MeshException(ErrorCode.INVALID_REQUEST, id + detail, e.param());
      case 401, 403 -> new MeshException(ErrorCode.UPSTREAM, id + ": upstream rejected the credentials (" + status + ")");
      case 402 -> new MeshException(ErrorCode.UPSTREAM, id + ": upstream account has no credit left (402)");
      case 404 -> new MeshException(ErrorCode.MODEL_NOT_FOUND, id + ": model not found upstream (404)" + detail, "model");
      case 408 -> new MeshException(ErrorCode.TIMEOUT, id + ": upstream timed out (408)");
      case 413 -> new MeshException(ErrorCode.PAYLOAD_TOO_LARGE, id + ": request too large for the upstream (413)" + detail);
      case 429 -> "insufficient_quota".equals(e.code())
        ? new MeshException(ErrorCode.UPSTREAM, id + ": upstream quota exhausted (429)" + detail, null, retryAfterMs(headers, clock))
        : new MeshException(ErrorCode.RATE_LIMITED, id + ": rate limited by the upstream" + detail, null, retryAfterMs(headers, clock));
      default -> status >= 500
        ? new MeshException(ErrorCode.UPSTREAM, id + ": upstream error " + status + detail, null, retryAfterOrZero(headers, clock))
        : new MeshException(ErrorCode.UPSTREAM, id + ": unexpected upstream status " + status + detail);
    };
  }

  /** The mesh error for an {@code {"error":...}} object found inside a 200 reply or a stream. */
  public static MeshException fromErrorObject(String id, JsonObject json, String apiKey) {
    UpstreamError e = parse(json, null);
    // OpenRouter puts the HTTP status it would have sent in error.code.
    Object code = json.getValue("error") instanceof JsonObject err ? err.getValue("code") : null;
    if (code instanceof Number n && n.intValue() >= 400 && n.intValue() < 600) {
      return fromParsed(id, n.intValue(), MultiMap.caseInsensitiveMultiMap(), e, apiKey, System::currentTimeMillis);
    }
    String text = Secrets.redact(e.message(), apiKey);
    return new MeshException(isContextTooLong(e) ? ErrorCode.CONTEXT_TOO_LONG : ErrorCode.UPSTREAM,
      id + ": upstream error" + (text == null || text.isBlank() ? "" : ": " + text), e.param());
  }

  /**
   * The mesh error for a failure before any response: refused, unknown host, TLS, reset, connect timeout.
   * Exception messages of the JDK and Netty carry host names, never request headers, so no key can leak here.
   */
  public static MeshException fromTransport(String id, Throwable t) {
    if (t instanceof MeshException m) {
      return m;
    }
    if (t instanceof ConnectException && !isTimeout(t)) {
      return new MeshException(ErrorCode.UNAVAILABLE, id + ": connection refused");
    }
    if (t instanceof UnknownHostException) {
      return new MeshException(ErrorCode.UNAVAILABLE, id + ": unknown host " + t.getMessage());
    }
    if (isTimeout(t)) {
      return new MeshException(ErrorCode.TIMEOUT, id + ": timed out connecting to the upstream");
    }
    if (t instanceof SSLException) {
      return new MeshException(ErrorCode.UNAVAILABLE, id + ": TLS handshake with the upstream failed");
    }
    if (t instanceof HttpClosedException || t instanceof ClosedChannelException || t instanceof IOException) {
      return new MeshException(ErrorCode.UNAVAILABLE, id + ": connection closed before the response");
    }
    return new MeshException(ErrorCode.UNAVAILABLE, id + ": upstream connection failed (" + t.getClass().getSimpleName() + ")");
  }

  private static boolean isTimeout(Throwable t) {
    // Netty's ConnectTimeoutException and Vert.x's pool-wait timeout both say so in their class name.
    return t instanceof TimeoutException || t.getClass().getSimpleName().contains("Timeout");
  }

  /** {@code retry-after-ms}, else {@code Retry-After} (seconds or an HTTP-date), else one second. */
  static long retryAfterMs(MultiMap headers, LongSupplier clock) {
    long ms = retryAfterOrZero(headers, clock);
    return ms > 0 ? ms : DEFAULT_RETRY_AFTER_MS;
  }

  static long retryAfterOrZero(MultiMap headers, LongSupplier clock) {
    if (headers == null) {
      return 0;
    }
    Long ms = number(headers.get("retry-after-ms"), 1);
    if (ms == null) {
      String ra = headers.get("retry-after");
      ms = number(ra, 1000);
      if (ms == null && ra != null) {
        ms = httpDate(ra, clock);
      }
    }
    return ms == null ? 0 : Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
  }

  private static Long number(String value, long scale) {
    if (value == null) {
      return null;
    }
    try {
      return (long) Math.ceil(Double.parseDouble(value.trim()) * scale);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static Long httpDate(String value, LongSupplier clock) {
    try {
      Instant at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      return Math.max(0, at.toEpochMilli() - clock.getAsLong());
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static boolean isContextTooLong(UpstreamError e) {
    if ("context_length_exceeded".equals(e.code()) || "exceed_context_size_error".equals(e.type())) {
      return true;
    }
    String m = e.message() == null ? "" : e.message().toLowerCase(Locale.ROOT);
    // vLLM: "This model's maximum context length is 4096 tokens"; llama.cpp: "exceeds the available context size".
    return m.contains("maximum context length") || m.contains("available context size");
  }

  /**
   * Reads OpenAI's {@code {"error":{message,type,param,code}}}, vLLM's flat {@code {"object":"error","message"}},
   * TGI's {@code {"error":"text"}}, Gemini's {@code [{"error":{...}}]} and plain text.
   */
  static UpstreamError parse(Buffer body) {
    if (body == null || body.length() == 0) {
      return new UpstreamError(null, null, null, null);
    }
    try {
      return parse(Json.decodeValue(body), body);
    } catch (RuntimeException e) {
      return new UpstreamError(plainText(body.toString()), null, null, null);
    }
  }

  private static UpstreamError parse(Object json, Buffer raw) {
    if (json instanceof JsonArray a && !a.isEmpty()) {
      json = a.getValue(0);
    }
    if (!(json instanceof JsonObject obj)) {
      return new UpstreamError(raw == null ? null : plainText(raw.toString()), null, null, null);
    }
    Object err = obj.getValue("error");
    if (err instanceof JsonObject e) {
      return new UpstreamError(clip(string(e.getValue("message"))), string(e.getValue("type")), string(e.getValue("param")),
        string(e.getValue("code")));
    }
    if (err instanceof String s) {
      return new UpstreamError(clip(s), string(obj.getValue("error_type")), null, null);
    }
    return new UpstreamError(clip(string(obj.getValue("message"))), string(obj.getValue("type")),
      string(obj.getValue("param")), string(obj.getValue("code")));
  }

  private static String plainText(String text) {
    String t = text.strip();
    if (t.startsWith("<")) {
      return "non-JSON error body (HTML)";
    }
    int nl = t.indexOf('\n');
    return clip(nl < 0 ? t : t.substring(0, nl));
  }

  private static String string(Object v) {
    return v == null ? null : String.valueOf(v);
  }

  private static String clip(String s) {
    return s == null || s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT) + "...";
  }
}
