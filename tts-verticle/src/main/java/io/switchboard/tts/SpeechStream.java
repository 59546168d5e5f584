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
    JsonObject trailer = call.trailer().apply(response.headers());
    if (call.prefix() != null) {
      pipe.write(call.prefix());
    }
    long[] bytes = {0};
    ex.onFailure(pipe::fail);
    ResponseRelay.start(ex, response, pipe,
      chunk -> {
        bytes[0] += chunk.length();
        pipe.write(chunk);
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
