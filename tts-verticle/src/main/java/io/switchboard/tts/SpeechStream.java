package io.switchboard.tts;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.SpeechRequest;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.http.Exchange;
import io.switchboard.core.http.ResponseRelay;
import io.switchboard.core.http.UpstreamClient;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Streams a cloud speech API's audio answer into a {@link ChunkPipe} as it arrives, on the upstream kit: each read
 * is written at once and a full pipe pauses the upstream ({@link ResponseRelay}); a cancelled pipe resets the
 * upstream request. The audio ends cleanly only at the body's real end: a body cut short, a stall longer than the
 * idle timeout or the deadline fails the pipe, even after audio went out. A non-2xx answer fails the pipe with the
 * kit's mapped error before any audio.
 */
public final class SpeechStream {

  /**
   * One upstream call: {@code request} with {@code body}; {@code prefix} (e.g. a WAV header) goes before the audio;
   * {@code trailer} builds the end-of-stream trailer from the response headers.
   */
  public record Call(RequestOptions request, Buffer body, Buffer prefix, Function<MultiMap, JsonObject> trailer) {
  }

  private final UpstreamClient http;
  private final int highWaterMark;

  /** Streams through {@code http}, at most {@code highWaterMark} audio reads waiting in a pipe before the upstream pauses. */
  public SpeechStream(UpstreamClient http, int highWaterMark) {
    this.http = http;
    this.highWaterMark = highWaterMark;
  }

  /**
   * Starts the call {@code request} makes (on the caller's context, or one made for it); audio, end or failure arrive on
   * the returned pipe. A {@link MeshException} from {@code request} (a refusal before any upstream call) fails the pipe.
   */
  public ChunkPipe<Buffer> open(Supplier<Call> request, CallContext ctx) {
    Call call;
    try {
      call = request.get();
    } catch (MeshException refused) {
      return failed(refused);
    }
    ChunkPipe<Buffer> pipe = new ChunkPipe<>(highWaterMark);
    http.stream(call.request(), call.body(), ctx.deadlineMs(), pipe, (ex, response) -> relay(ex, response, call, pipe));
    return pipe;
  }

  private static void relay(Exchange ex, HttpClientResponse response, Call call, ChunkPipe<Buffer> pipe) {
    ex.onFailure(pipe::fail);
    String type = response.getHeader("content-type");
    if (!isAudio(type)) {
      // A captive portal or a gateway's page answers 200 too: relayed, it would reach the client as audio.
      ex.fail(new MeshException(ErrorCode.UPSTREAM, ex.upstream().id() + ": upstream answered " + response.statusCode()
        + " with " + type + ", not audio"));
      return;
    }
    JsonObject trailer = call.trailer().apply(response.headers());
    long[] bytes = {0};
    ResponseRelay.start(ex, response, pipe,
      chunk -> {
        // The prefix goes out with the first audio, not before: an answer cut before any audio then fails with nothing
        // delivered, and the router can still try another backend.
        if (chunk.length() == 0) {
          return;
        }
        boolean first = bytes[0] == 0;
        bytes[0] += chunk.length();
        pipe.write(first && call.prefix() != null ? Buffer.buffer().appendBuffer(call.prefix()).appendBuffer(chunk) : chunk);
      },
      () -> {
        if (bytes[0] == 0) {
          ex.fail(new MeshException(ErrorCode.UPSTREAM, ex.upstream().id() + ": upstream answered " + response.statusCode() + " with no audio"));
        } else {
          ex.finish();
          pipe.end(trailer);
        }
      },
      t -> ex.fail(ex.cut(bytes[0], t)));
  }

  /** Audio, or bytes of no declared kind (some speech APIs send raw PCM as octet-stream or without a type). */
  static boolean isAudio(String contentType) {
    if (contentType == null || contentType.isBlank()) {
      return true;
    }
    String t = contentType.trim().toLowerCase(java.util.Locale.ROOT);
    return t.startsWith("audio/") || t.startsWith("application/octet-stream");
  }

  /** The upstream model {@code request} asks for (an alias resolved), or the refusal of a model the backend lacks. */
  public static String model(BackendDescriptor descriptor, SpeechRequest request) {
    String model = descriptor.resolveModel(request.model());
    if (model == null) {
      throw new MeshException(ErrorCode.MODEL_NOT_FOUND, descriptor.id() + " does not serve model '" + request.model() + "'", "model");
    }
    return model;
  }

  /** A pipe that has already failed: how an adapter reports a request it refuses before calling upstream. */
  public static ChunkPipe<Buffer> failed(MeshException error) {
    ChunkPipe<Buffer> pipe = new ChunkPipe<>();
    pipe.fail(error);
    return pipe;
  }

  public Future<Void> close() {
    return http.close();
  }
}
