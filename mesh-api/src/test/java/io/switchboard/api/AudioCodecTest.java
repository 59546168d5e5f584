package io.switchboard.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.internal.buffer.BufferInternal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Audio on a local hop is the sender's bytes, not a copy; on the wire it round-trips exactly. */
class AudioCodecTest {

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    AudioCodec.register(vertx);
    AudioCodec.register(vertx); // a second verticle registering it is harmless
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private Buffer received(Buffer sent, DeliveryOptions options) throws Exception {
    Buffer[] got = new Buffer[1];
    vertx.eventBus().<Buffer>consumer("audio.test", msg -> {
      got[0] = msg.body();
      msg.reply("ok");
    }).completion().await(10, TimeUnit.SECONDS);
    vertx.eventBus().request("audio.test", sent, options).await(10, TimeUnit.SECONDS);
    return got[0];
  }

  @Test
  void aLocalReceiverSeesTheSendersBytesNotACopy() throws Exception {
    Buffer sent = Buffer.buffer("RIFF....WAVEfmt audio bytes");
    Buffer got = received(sent, AudioCodec.options(new DeliveryOptions()));
    assertEquals(sent, got);
    sent.setByte(4, (byte) 'X');
    assertEquals('X', got.getByte(4), "the receiver reads the same memory");
    got.appendString(" more");
    assertEquals("RIFFX...WAVEfmt audio bytes more", got.toString(), "appending gives the receiver its own copy");
    assertEquals("RIFFX...WAVEfmt audio bytes", sent.toString(), "and leaves the sender's audio as it was");
    sent.setByte(5, (byte) 'Y');
    assertEquals('.', got.getByte(5));
  }

  /** The contrast that makes the test above mean something: Vert.x's own Buffer codec copies. */
  @Test
  void withoutTheCodecVertxCopies() throws Exception {
    Buffer sent = Buffer.buffer("RIFF....WAVE");
    Buffer got = received(sent, new DeliveryOptions());
    sent.setByte(4, (byte) 'X');
    assertEquals('.', got.getByte(4));
  }

  @Test
  void theWireFormRoundTripsAtAnyOffset() {
    AudioCodec codec = new AudioCodec();
    Buffer audio = Buffer.buffer();
    for (int i = 0; i < 70_000; i++) {
      audio.appendByte((byte) (i * 31));
    }
    Buffer frame = Buffer.buffer("headers:");
    codec.encodeToWire(frame, audio);
    frame.appendString(":trailer");
    Buffer decoded = codec.decodeFromWire("headers:".length(), frame);
    assertEquals(audio, decoded);
    assertEquals(Buffer.buffer(), codec.decodeFromWire(0, wire(codec, Buffer.buffer())));
  }

  /** An upload gathered in blocks (a composite buffer) travels the same way as a contiguous one. */
  @Test
  void aBlockBufferTravelsWhole() throws Exception {
    ByteBuf first = ((BufferInternal) Buffer.buffer("RIFF0123")).getByteBuf();
    ByteBuf second = ((BufferInternal) Buffer.buffer("WAVE4567")).getByteBuf();
    CompositeByteBuf blocks = new CompositeByteBuf(UnpooledByteBufAllocator.DEFAULT, false, 2, List.of(first, second));
    Buffer sent = BufferInternal.buffer(blocks);
    assertEquals(Buffer.buffer("RIFF0123WAVE4567"), received(sent, AudioCodec.options(new DeliveryOptions())));
    assertEquals(Buffer.buffer("RIFF0123WAVE4567"), new AudioCodec().decodeFromWire(0, wire(new AudioCodec(), sent)));
  }

  private static Buffer wire(AudioCodec codec, Buffer audio) {
    Buffer frame = Buffer.buffer();
    codec.encodeToWire(frame, audio);
    return frame;
  }
}
