package io.switchboard.core.testkit.speech;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * How a fake speech upstream sends audio: a chunked body whose first chunk goes out at once and whose rest waits
 * for {@code gate} (a promise the test completes once it saw the first chunk arrive), so "audio is forwarded before
 * the upstream finished" is shown by ordering, not by a clock. The body then ends, or is cut (connection closed
 * before the terminating chunk).
 */
public final class AudioScript {

  private AudioScript() {
  }

  /** {@code count} chunks of {@code size} bytes, each filled with its own index. */
  public static List<Buffer> chunks(int count, int size) {
    List<Buffer> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] b = new byte[size];
      java.util.Arrays.fill(b, (byte) (i + 1));
      out.add(Buffer.buffer(b));
    }
    return out;
  }

  public static Buffer join(List<Buffer> chunks) {
    Buffer all = Buffer.buffer();
    chunks.forEach(all::appendBuffer);
    return all;
  }

  /** Sends every chunk as its own write, then ends: an upstream that speaks at once. */
  public static Consumer<RoutingContext> steady(String contentType, List<Buffer> chunks) {
    return ctx -> {
      ctx.response().setChunked(true).putHeader("content-type", contentType);
      chunks.forEach(ctx.response()::write);
      ctx.response().end();
    };
  }

  /** Sends chunk 0, waits for {@code gate}, sends the rest, then ends (or cuts) and completes {@code finished}. */
  public static Consumer<RoutingContext> gated(String contentType, List<Buffer> chunks, Future<?> gate, Promise<Void> finished, boolean cut) {
    return ctx -> {
      ctx.response().setChunked(true).putHeader("content-type", contentType);
      ctx.response().write(chunks.get(0));
      gate.onComplete(ar -> {
        for (Buffer b : chunks.subList(1, chunks.size())) {
          ctx.response().write(b);
        }
        if (cut) {
          ctx.request().connection().close();
          finished.tryComplete();
        } else {
          ctx.response().end().onComplete(v -> finished.tryComplete());
        }
      });
    };
  }
}
