package io.switchboard.tts.openai;

import io.switchboard.core.http.CloudTimeouts;
import io.switchboard.core.http.Contexts;
import io.switchboard.core.http.Watchdog;
import io.switchboard.core.http.CloudErrors;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.util.function.Function;

/**
 * Streams a speech API's audio response into a {@link ChunkPipe} as it arrives: each read is written at once; when
 * the pipe is full the response is paused (and the idle timer stopped, a slow caller is not a slow upstream) until
 * the pipe drains; a cancelled pipe resets the upstream request. The audio ends cleanly only at the body's real end:
 * a body cut short, a stall longer than the idle timeout or the deadline fails the pipe, even after audio went out.
 * A non-2xx answer is read (bounded) and failed with the mapped error before any audio.
 */
public final class SpeechStream {

  private static final int MAX_ERROR_BODY = 64 * 1024;

  /**
   * One upstream call: POST {@code body} to {@code url}; {@code prefix} (e.g. a WAV header) goes before the audio;
   * {@code trailer} builds the end-of-stream trailer from the response headers.
   */
  public record Call(String url, MultiMap headers, Buffer body, Buffer prefix, Function<MultiMap, JsonObject> trailer) {
  }

  private final Vertx vertx;
  private final String id;
  private final CloudTimeouts timeouts;
  private final String secret;
  private final int highWaterMark;
  private final HttpClientAgent client;

  public SpeechStream(Vertx vertx, String id, CloudTimeouts timeouts, String secret, int highWaterMark, int maxConnections) {
    this.vertx = vertx;
    this.id = id;
    this.timeouts = timeouts;
    this.secret = secret;
    this.highWaterMark = highWaterMark;
    // Vert.x's default pool of 5 connections per host would queue concurrent streams behind each other.
    this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeouts.connectMs())),
      new PoolOptions().setHttp1MaxSize(maxConnections));
  }

  /** Starts the call (on the caller's context, or one made for it); audio, end or failure arrive on the returned pipe. */
  public ChunkPipe<Buffer> open(Call call, CallContext ctx) {
    ChunkPipe<Buffer> pipe = new ChunkPipe<>(highWaterMark);
    Contexts.onContext(vertx, () -> new Exchange(pipe, call, ctx).start());
    return pipe;
  }

  /** A pipe that has already failed: how an adapter reports a request it refuses before calling upstream. */
  public static ChunkPipe<Buffer> failed(MeshException error) {
    ChunkPipe<Buffer> pipe = new ChunkPipe<>();
    pipe.fail(error);
    return pipe;
  }

  public io.vertx.core.Future<Void> close() {
    return client.close();
  }

  private final class Exchange {
    private final ChunkPipe<Buffer> pipe;
    private final Call call;
    private final CallContext ctx;
    private final Watchdog watchdog;
    private HttpClientRequest request;
    private long bytes;
    private boolean over;

    Exchange(ChunkPipe<Buffer> pipe, Call call, CallContext ctx) {
      this.pipe = pipe;
      this.call = call;
      this.ctx = ctx;
      this.watchdog = new Watchdog(vertx, id, ctx.deadlineMs(), this::timedOut);
    }

    void start() {
      pipe.cancelHandler(this::cancelled);
      RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(call.url())
        .setConnectTimeout(Math.min(timeouts.connectMs(), ctx.remainingMs())).setHeaders(call.headers());
      client.request(options).onComplete(ar -> {
        if (ar.failed()) {
          fail(CloudErrors.transport(id, ar.cause()));
        } else if (over) {
          ar.result().reset();
        } else {
          send(ar.result());
        }
      });
    }

    private void send(HttpClientRequest req) {
      request = req;
      req.putHeader("content-length", Integer.toString(call.body().length()));
      req.response().onComplete(ar -> {
        if (ar.failed()) {
          fail(CloudErrors.transport(id, ar.cause()));
        } else if (ar.result().statusCode() / 100 != 2) {
          readError(ar.result());
        } else {
          stream(ar.result());
        }
      });
      watchdog.arm(timeouts.firstByteMs(), "first byte");
      req.end(call.body());
    }

    private void stream(HttpClientResponse response) {
      JsonObject trailer = call.trailer().apply(response.headers());
      watchdog.arm(timeouts.idleMs(), "audio");
      if (call.prefix() != null) {
        pipe.write(call.prefix());
      }
      response.handler(chunk -> {
        if (over) {
          return;
        }
        bytes += chunk.length();
        pipe.write(chunk);
        if (pipe.writeQueueFull()) {
          response.pause();
          watchdog.disarm();
          pipe.drainHandler(() -> {
            if (!over) {
              watchdog.arm(timeouts.idleMs(), "audio");
              response.resume();
            }
          });
        } else {
          watchdog.arm(timeouts.idleMs(), "audio");
        }
      });
      response.exceptionHandler(err -> fail(new MeshException(ErrorCode.UPSTREAM,
        id + ": audio stream cut after " + bytes + " bytes (" + err.getClass().getSimpleName() + ")")));
      response.endHandler(v -> {
        if (over) {
          return;
        }
        if (bytes == 0) {
          fail(new MeshException(ErrorCode.UPSTREAM, id + ": upstream answered " + response.statusCode() + " with no audio"));
          return;
        }
        over = true;
        watchdog.cancel();
        pipe.end(trailer);
      });
    }

    private void readError(HttpClientResponse response) {
      Buffer body = Buffer.buffer();
      watchdog.arm(timeouts.idleMs(), "error body");
      response.handler(chunk -> {
        if (body.length() < MAX_ERROR_BODY) {
          body.appendBuffer(chunk, 0, Math.min(chunk.length(), MAX_ERROR_BODY - body.length()));
        }
      });
      response.exceptionHandler(err -> fail(CloudErrors.fromResponse(id, response.statusCode(), response.headers(), body, secret)));
      response.endHandler(v -> fail(CloudErrors.fromResponse(id, response.statusCode(), response.headers(), body, secret)));
    }

    private void timedOut(MeshException timeout) {
      fail(timeout);
      if (request != null) {
        request.reset();
      }
    }

    private void cancelled() {
      over = true;
      watchdog.cancel();
      if (request != null) {
        request.reset();
      }
    }

    private void fail(MeshException error) {
      if (over) {
        return;
      }
      over = true;
      watchdog.cancel();
      pipe.fail(error);
    }
  }
}
