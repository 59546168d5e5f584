package io.switchboard.llm.testkit;

import io.switchboard.api.MeshException;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Test helpers: run a backend call on a Vert.x context as the verticle would, and read a pipe to its end. */
public final class Drain {

  /** What a stream delivered: its chunks, then either the trailer or the failure. */
  public record Drained(List<JsonObject> chunks, JsonObject trailer, Throwable failure) {
    public String text() {
      StringBuilder sb = new StringBuilder();
      for (JsonObject c : chunks) {
        Object content = c.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getValue("content");
        if (content instanceof String s) {
          sb.append(s);
        }
      }
      return sb.toString();
    }

    public MeshException meshFailure() {
      assertNotNull(failure, "expected the stream to fail, it ended cleanly");
      return (MeshException) failure;
    }
  }

  private Drain() {
  }

  public static <T> Future<T> onContext(Vertx vertx, Supplier<Future<T>> call) {
    Promise<T> p = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> call.get().onComplete(p));
    return p.future();
  }

  public static Future<Drained> stream(Vertx vertx, Supplier<ChunkPipe<JsonObject>> start) {
    Promise<Drained> p = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> read(start.get(), p));
    return p.future();
  }

  /** Reads {@code pipe} to its end; must be called on the pipe's context. */
  public static void read(ChunkPipe<JsonObject> pipe, Promise<Drained> p) {
    List<JsonObject> got = new ArrayList<>();
    pipe.availableHandler(() -> {
      got.addAll(pipe.takeAll());
      if (pipe.failure() != null) {
        p.tryComplete(new Drained(got, null, pipe.failure()));
      } else if (pipe.isEnded()) {
        p.tryComplete(new Drained(got, pipe.trailer(), null));
      }
    });
  }
}
