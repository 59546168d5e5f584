package io.switchboard.core.testkit.speech;

import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.function.Consumer;

import static io.switchboard.core.testkit.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An upstream's audio held back after its first chunk ({@link AudioScript#gated}), and the check that goes with it:
 * an adapter forwards audio as it arrives when its pipe's first read comes while the fake still holds the rest.
 */
public final class HeldAudio {

  public final List<Buffer> chunks;
  private final Promise<Void> gate = Promise.promise();
  private final Promise<Void> finished = Promise.promise();

  /** {@code count} chunks of {@code size} bytes ({@link AudioScript#chunks}). */
  public HeldAudio(int count, int size) {
    this.chunks = AudioScript.chunks(count, size);
  }

  /** The fake's reply: chunk 0 at once, the rest once {@link #forwardedAsItArrives} saw the first audio. */
  public Consumer<RoutingContext> reply(String contentType) {
    return AudioScript.gated(contentType, chunks, gate.future(), finished, false);
  }

  /**
   * Waits for {@code probe}'s first read and checks that it came while the rest was held and is the start of chunk 0;
   * then lets the rest go and checks that the pipe ends with the whole audio. Answers the pipe's trailer.
   */
  public JsonObject forwardedAsItArrives(PipeProbe probe) {
    Buffer first = await(probe.first());
    assertFalse(finished.future().isComplete(), "the first audio arrived while the upstream still held the rest");
    // A read may hold part of a chunk: what arrived first is the start of chunk 0.
    assertTrue(first.length() > 0 && first.length() <= chunks.get(0).length(), "first read " + first.length());
    assertEquals(chunks.get(0).getBuffer(0, first.length()), first);
    gate.complete();
    JsonObject trailer = await(probe.done());
    assertEquals(AudioScript.join(chunks), probe.audio());
    return trailer;
  }
}
