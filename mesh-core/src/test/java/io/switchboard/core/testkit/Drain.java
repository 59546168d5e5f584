package io.switchboard.core.testkit;

import io.switchboard.api.MeshException;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Reads a chat stream's {@link ChunkPipe} to its end on one Vert.x context, as the bus sender does. */
public final class Drain {

  /** What a stream delivered: its chunks, then either the trailer or the failure. */
  public record Drained(List<JsonObject> chunks, JsonObject trailer, Throwable failure) {

    public String text() {
      return ChatText.of(chunks);
    }

    public MeshException meshFailure() {
      assertNotNull(failure, "expected the stream to fail, it ended with " + trailer);
      return MeshException.from(failure);
    }

    /** The usage of a stream that ended cleanly after content. */
    public JsonObject usage() {
      assertNotNull(trailer, "the stream should have ended cleanly, it failed with " + failure);
      assertFalse(chunks.isEmpty());
      return trailer.getJsonObject("usage");
    }
  }

  private Drain() {
  }

  /** Starts a stream on a context and reads it there to its end. */
  public static Future<Drained> stream(Vertx vertx, Supplier<ChunkPipe<JsonObject>> start) {
    return stream(vertx, start, null);
  }

  /** As {@link #stream(Vertx, Supplier)}; {@code onBatch} sees the pipe after each batch of chunks (to cancel, say). */
  public static Future<Drained> stream(Vertx vertx, Supplier<ChunkPipe<JsonObject>> start, Consumer<ChunkPipe<JsonObject>> onBatch) {
    Promise<Drained> p = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> read(start.get(), p, onBatch));
    return p.future();
  }

  /** Reads {@code pipe} to its end; must be called on the pipe's context. */
  public static void read(ChunkPipe<JsonObject> pipe, Promise<Drained> p) {
    read(pipe, p, null);
  }

  private static void read(ChunkPipe<JsonObject> pipe, Promise<Drained> p, Consumer<ChunkPipe<JsonObject>> onBatch) {
    List<JsonObject> got = new ArrayList<>();
    pipe.availableHandler(() -> {
      boolean had = pipe.hasItems();
      got.addAll(pipe.takeAll());
      if (pipe.failure() != null) {
        p.tryComplete(new Drained(got, null, pipe.failure()));
      } else if (pipe.isEnded()) {
        p.tryComplete(new Drained(got, pipe.trailer(), null));
      } else if (had && onBatch != null) {
        onBatch.accept(pipe);
      }
    });
  }
}
