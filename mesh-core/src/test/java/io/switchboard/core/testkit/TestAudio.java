package io.switchboard.core.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.util.ArrayList;
import java.util.List;

/** Small audio files made in the test, so no fixture has to be shipped. */
public final class TestAudio {

  private TestAudio() {
  }

  /** A mono 16-bit PCM WAV of a 440 Hz tone. */
  public static Buffer wav(double seconds, int rate) {
    int samples = (int) Math.round(seconds * rate);
    Buffer b = Buffer.buffer(44 + samples * 2);
    b.appendString("RIFF").appendIntLE(36 + samples * 2).appendString("WAVE")
      .appendString("fmt ").appendIntLE(16).appendShortLE((short) 1).appendShortLE((short) 1)
      .appendIntLE(rate).appendIntLE(rate * 2).appendShortLE((short) 2).appendShortLE((short) 16)
      .appendString("data").appendIntLE(samples * 2);
    for (int i = 0; i < samples; i++) {
      b.appendShortLE((short) (8000 * Math.sin(2 * Math.PI * 440 * i / rate)));
    }
    return b;
  }

  /** An MP3-looking buffer: an ID3 tag then an MPEG frame header; enough for format detection. */
  public static Buffer mp3() {
    return Buffer.buffer().appendString("ID3").appendBytes(new byte[]{4, 0, 0, 0, 0, 0, 0}).appendBytes(new byte[]{(byte) 0xFF, (byte) 0xFB, (byte) 0x90, 0x64})
      .appendBytes(new byte[400]);
  }

  /** The audio as the web verticle hands it on when it came in blocks: a composite buffer. */
  public static Buffer inBlocks(Buffer audio, int block) {
    List<ByteBuf> blocks = new ArrayList<>();
    for (int at = 0; at < audio.length(); at += block) {
      blocks.add(Unpooled.wrappedBuffer(audio.getBytes(at, Math.min(audio.length(), at + block))));
    }
    return BufferInternal.buffer(new CompositeByteBuf(UnpooledByteBufAllocator.DEFAULT, false, blocks.size(), blocks));
  }
}
