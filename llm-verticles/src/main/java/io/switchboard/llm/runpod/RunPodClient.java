package io.switchboard.llm.runpod;

import io.netty.channel.ConnectTimeoutException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.config.Secrets;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The queue-based endpoint operations of RunPod serverless ({@code https://api.runpod.ai/v2/{endpoint_id}/...}):
 * {@code POST /run}, {@code POST /runsync?wait=}, {@code GET /status/{id}}, {@code GET /stream/{id}},
 * {@code POST /cancel/{id}}, {@code GET /health}, with {@code Authorization: Bearer <key>}. Each call answers the
 * JSON object RunPod sent or fails with a {@link MeshException}; each is bounded by its own timeout and reset when
 * it passes. RunPod does not document its error bodies, so an error's text is taken as given (JSON or not), redacted.
 */
final class RunPodClient {

  private static final int MAX_ERROR = 300;

  private final Vertx vertx;
  private final RunPodSettings settings;
  private final HttpClientAgent http;

  RunPodClient(Vertx vertx, RunPodSettings settings, int poolSize) {
    this.vertx = vertx;
    this.settings = settings;
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) settings.connectMs()),
      new PoolOptions().setHttp1MaxSize(poolSize));
  }

  Future<JsonObject> run(JsonObject input) {
    return call(HttpMethod.POST, "/run", new JsonObject().put("input", input), settings.requestMs());
  }

  /** RunPod holds the connection up to {@code waitMs} for the job to finish, then answers with its status. */
  Future<JsonObject> runSync(JsonObject input, long waitMs) {
    return call(HttpMethod.POST, "/runsync?wait=" + waitMs, new JsonObject().put("input", input), waitMs + settings.requestMs());
  }

  Future<JsonObject> status(String jobId) {
    return call(HttpMethod.GET, "/status/" + jobId, null, settings.requestMs());
  }

  Future<JsonObject> stream(String jobId) {
    return call(HttpMethod.GET, "/stream/" + jobId, null, settings.requestMs());
  }

  Future<JsonObject> cancel(String jobId) {
    return call(HttpMethod.POST, "/cancel/" + jobId, null, settings.requestMs());
  }

  Future<JsonObject> health() {
    return call(HttpMethod.GET, "/health", null, settings.requestMs());
  }

  Future<Void> close() {
    return http.close();
  }

  private Future<JsonObject> call(HttpMethod method, String path, JsonObject body, long timeoutMs) {
    String op = path.substring(1).replaceAll("[/?].*", "");
    Promise<JsonObject> result = Promise.promise();
    AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
    long timer = vertx.setTimer(timeoutMs, t -> {
      if (result.tryFail(new MeshException(ErrorCode.TIMEOUT, "runpod /" + op + " did not answer within " + timeoutMs + " ms"))) {
        HttpClientRequest r = sent.get();
        if (r != null) {
          r.reset();
        }
      }
    });
    RequestOptions options = new RequestOptions().setMethod(method).setAbsoluteURI(settings.endpointUrl() + path)
      .setConnectTimeout(settings.connectMs())
      .putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + settings.apiKey())
      .putHeader(HttpHeaders.ACCEPT, "application/json");
    if (body != null) {
      options.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    }
    http.request(options)
      .compose(req -> {
        sent.set(req);
        return body == null ? req.send() : req.send(body.toBuffer());
      })
      .compose(resp -> resp.body().map(buf -> decode(op, resp, buf)))
      .onComplete(ar -> {
        vertx.cancelTimer(timer);
        if (ar.succeeded()) {
          result.tryComplete(ar.result());
        } else {
          result.tryFail(transport(op, ar.cause()));
        }
      });
    return result.future();
  }

  private JsonObject decode(String op, HttpClientResponse resp, Buffer buf) {
    int status = resp.statusCode();
    if (status / 100 != 2) {
      throw failure(op, status, resp.getHeader(HttpHeaders.RETRY_AFTER), buf.toString());
    }
    try {
      return new JsonObject(buf);
    } catch (DecodeException | ClassCastException e) {
      throw new MeshException(ErrorCode.UPSTREAM, "runpod /" + op + " answered " + status + " with a body that is not a JSON object");
    }
  }

  private MeshException failure(String op, int status, String retryAfter, String text) {
    String said = text == null || text.isBlank() ? "" : ": " + cut(Secrets.redact(text.strip(), settings.apiKey()));
    boolean jobCall = op.equals("status") || op.equals("stream") || op.equals("cancel");
    return switch (status) {
      case 400 -> new MeshException(ErrorCode.INVALID_REQUEST, "runpod rejected the job input" + said);
      case 401, 403 -> new MeshException(ErrorCode.UPSTREAM, "runpod: credentials rejected upstream (HTTP " + status + ")");
      case 404 -> jobCall
        ? new MeshException(ErrorCode.UPSTREAM, "runpod job not found (expired or never created)" + said)
        : new MeshException(ErrorCode.UNAVAILABLE, "runpod endpoint " + settings.endpointId() + " not found" + said);
      case 408, 504 -> new MeshException(ErrorCode.TIMEOUT, "runpod /" + op + " timed out (HTTP " + status + ")" + said);
      case 413 -> new MeshException(ErrorCode.PAYLOAD_TOO_LARGE, "runpod: job input too large (10 MB for /run, 20 MB for /runsync)");
      case 429 -> new MeshException(ErrorCode.RATE_LIMITED, "runpod rate limit on /" + op + said, null, retryAfterMs(retryAfter));
      default -> new MeshException(ErrorCode.UPSTREAM, "runpod /" + op + " failed with HTTP " + status + said, null, retryAfterMs(retryAfter));
    };
  }

  private MeshException transport(String op, Throwable t) {
    if (t instanceof MeshException m) {
      return m;
    }
    String detail = Secrets.redact(String.valueOf(t.getMessage()), settings.apiKey());
    if (t instanceof TimeoutException || t instanceof ConnectTimeoutException) {
      return new MeshException(ErrorCode.TIMEOUT, "runpod /" + op + " timed out (" + detail + ")");
    }
    if (t instanceof ConnectException) {
      return new MeshException(ErrorCode.UNAVAILABLE, "runpod unreachable: " + detail);
    }
    return new MeshException(ErrorCode.UPSTREAM, "runpod /" + op + " connection failed: " + t.getClass().getSimpleName() + " " + detail);
  }

  /** {@code Retry-After} in seconds; an HTTP date or garbage counts as unknown. */
  static long retryAfterMs(String value) {
    if (value == null) {
      return 0;
    }
    try {
      return Math.max(0, Math.round(Double.parseDouble(value.trim()) * 1000));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String cut(String s) {
    return s.length() <= MAX_ERROR ? s : s.substring(0, MAX_ERROR) + "...";
  }
}
