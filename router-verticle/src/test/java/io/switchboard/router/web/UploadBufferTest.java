package io.switchboard.router.web;

import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An upload is gathered without reallocation: memory follows what arrived, and the bytes come out as they went in. */
class UploadBufferTest {

  private static Buffer feed(UploadBuffer upload, byte[] bytes, int piece) {
    for (int at = 0; at < bytes.length; at += piece) {
      upload.append(Unpooled.wrappedBuffer(bytes, at, Math.min(piece, bytes.length - at)));
    }
    return upload.toBuffer();
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  @Test
  void aKnownLengthIsHeldInBlocksCutToIt() {
    byte[] bytes = random(3 * UploadBuffer.BLOCK + 1234);
    UploadBuffer upload = new UploadBuffer(bytes.length + 200); // a form's length: the file plus its envelope
    assertEquals(Buffer.buffer(bytes), feed(upload, bytes, 65_536));
    assertEquals(bytes.length, upload.length());
    assertTrue(upload.capacity() <= bytes.length + 200, "no block past the declared end: " + upload.capacity());
  }

  @Test
  void anUnknownLengthGrowsByBlocksWithoutCopying() {
    byte[] bytes = random(2 * UploadBuffer.BLOCK + 77);
    UploadBuffer upload = new UploadBuffer(-1);
    assertEquals(Buffer.buffer(bytes), feed(upload, bytes, 16_384));
    assertTrue(upload.capacity() < bytes.length + UploadBuffer.BLOCK, "at most one block unfilled: " + upload.capacity());
  }

  @Test
  void aDeclaredLengthThatIsTooShortStillTakesEveryByte() {
    byte[] bytes = random(100_000);
    assertEquals(Buffer.buffer(bytes), feed(new UploadBuffer(10), bytes, 30_000));
  }

  /** A client that declares a large body and sends little gets memory for what it sent, not what it declared. */
  @Test
  void memoryFollowsWhatArrivedNotWhatWasDeclared() {
    UploadBuffer upload = new UploadBuffer(25_000_000);
    upload.append(Unpooled.wrappedBuffer(new byte[100]));
    assertTrue(upload.capacity() <= UploadBuffer.BLOCK);
  }

  @Test
  void aSmallFileIsOnePlainBuffer() {
    byte[] bytes = random(5000);
    Buffer out = feed(new UploadBuffer(5000), bytes, 1000);
    assertEquals(Buffer.buffer(bytes), out);
    assertEquals(Buffer.buffer(), new UploadBuffer(-1).toBuffer());
  }
}
