package io.switchboard.core.http;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.config.Secrets;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.json.JsonObject;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeoutException;

/**
 * The one mapping from what an upstream did wrong to a {@link MeshException}, for every cloud adapter: an HTTP error
 * status with its body (read by the protocol's {@link ErrorDialect}) and {@code Retry-After} ({@link RetryAfter}),
 * an error met inside a 200 or a stream, or a connection that failed before any response.
 *
 * <p>Every message starts with the backend id. The upstream's own words are kept where they help the caller, redacted
 * of the backend's key; a 401 carries none (providers echo part of the key in it). The classes follow one rule: the
 * caller's mistakes (400, 404 model, 413, 415) are theirs and no other backend would answer differently; everything
 * else (credentials, quota, rate limits, 5xx, timeouts) is an upstream fault the router may route around. A quota or
 * credit balance that is gone is {@link ErrorCode#UPSTREAM}, not a rate limit: waiting will not refill it.
 */
public final class UpstreamErrors {

  private UpstreamErrors() {
  }

  /** The mesh error for an upstream HTTP error reply. */
  public static MeshException fromStatus(ErrorDialect dialect, String id, int status, MultiMap headers, Buffer body, String secret) {
    return map(id, status, dialect.parse(body), RetryAfter.ms(headers, System.currentTimeMillis()), secret);
  }

  /** As {@link #fromStatus(ErrorDialect, String, int, MultiMap, Buffer, String)} at a given clock (tests). */
  public static MeshException fromStatus(ErrorDialect dialect, String id, int status, MultiMap headers, Buffer body, String secret,
                                         long nowMs) {
    return map(id, status, dialect.parse(body), RetryAfter.ms(headers, nowMs), secret);
  }

  /**
   * The mesh error for an error object met without an HTTP error status: an SSE {@code error} event, or a 200 whose
   * body holds an error (OpenRouter). The protocol may name the status it stands for; else it is an upstream error.
   */
  public static MeshException fromErrorObject(ErrorDialect dialect, String id, JsonObject json, String secret) {
    return map(id, dialect.statusOf(json), dialect.parse(json), 0, secret);
  }

  /**
   * The mesh error for an upstream's failure once its words are read. {@code status} 0 means the upstream named
   * none (an error inside a stream).
   */
  public static MeshException map(String id, int status, UpstreamError e, long retryAfterMs, String secret) {
    String text = Secrets.redact(e.message(), secret);
    String said = text == null || text.isBlank() ? "" : ": " + text;
    String code = status == 0 ? "" : " (" + status + ")";
    switch (e.hint()) {
      case QUOTA -> {
        return new MeshException(ErrorCode.UPSTREAM, id + ": upstream quota exhausted" + code + said, null, retryAfterMs);
      }
      case CONTEXT_TOO_LONG -> {
        return new MeshException(ErrorCode.CONTEXT_TOO_LONG, id + (said.isEmpty() ? ": the prompt is too long for the model" : said), e.param());
      }
      case OVERLOADED -> {
        return new MeshException(ErrorCode.UNAVAILABLE, id + ": upstream overloaded" + code + said, null, retryAfterMs);
      }
      case TIMEOUT -> {
        return new MeshException(ErrorCode.TIMEOUT, id + ": upstream timed out" + code + said, null, retryAfterMs);
      }
      default -> {
        return byStatus(id, status, e, said, retryAfterMs);
      }
    }
  }

  private static MeshException byStatus(String id, int status, UpstreamError e, String said, long retryAfterMs) {
    return switch (status) {
      case 0 -> new MeshException(ErrorCode.UPSTREAM, id + ": upstream error" + said, e.param(), retryAfterMs);
      case 400, 422 -> new MeshException(ErrorCode.INVALID_REQUEST,
        id + (said.isEmpty() ? ": upstream rejected the request (" + status + ")" : said), e.param());
      case 401 -> new MeshException(ErrorCode.UPSTREAM, id + ": upstream rejected the credentials (401)");
      case 402 -> new MeshException(ErrorCode.UPSTREAM, id + ": upstream account has no credit left (402)" + said);
      case 403 -> new MeshException(ErrorCode.UPSTREAM, id + ": upstream refused access (403)" + said);
      case 404 -> new MeshException(ErrorCode.MODEL_NOT_FOUND, id + ": model not found upstream (404)" + said, "model");
      case 408 -> new MeshException(ErrorCode.TIMEOUT, id + ": upstream timed out (408)" + said, null, retryAfterMs);
      case 413 -> new MeshException(ErrorCode.PAYLOAD_TOO_LARGE, id + ": request too large for the upstream (413)" + said);
      case 415 -> new MeshException(ErrorCode.UNSUPPORTED_MEDIA, id + ": upstream cannot read this media type (415)" + said);
      case 429 -> new MeshException(ErrorCode.RATE_LIMITED, id + ": rate limited by the upstream" + said, null,
        retryAfterMs > 0 ? retryAfterMs : RetryAfter.RATE_LIMIT_DEFAULT_MS);
      case 529 -> new MeshException(ErrorCode.UNAVAILABLE, id + ": upstream overloaded (529)" + said, null, retryAfterMs);
      default -> status >= 500
        ? new MeshException(ErrorCode.UPSTREAM, id + ": upstream error " + status + said, null, retryAfterMs)
        : new MeshException(ErrorCode.UPSTREAM, id + ": unexpected upstream status " + status + said);
    };
  }

  /**
   * The mesh error for a failure before any response: refused, unknown host, TLS, reset, connect timeout. Exception
   * messages of the JDK and Netty carry host names, never request headers, so no key can leak here.
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
    // Netty's ConnectTimeoutException (a ConnectException) and Vert.x's pool-wait timeout say so in their class name.
    return t instanceof TimeoutException || t.getClass().getSimpleName().contains("Timeout");
  }
}
