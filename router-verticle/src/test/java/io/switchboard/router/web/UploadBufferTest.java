package io.switchboard.router.web;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An upload is gathered without copying the pieces Vert.x hands a handler, and without an object per byte for small
 * pieces: memory follows what arrived, and the bytes (and the views handed to the hasher) come out as they went in.
 */
class UploadBufferTest {

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  /** A piece as an HTTP handler gets it: a heap buffer of Vert.x's own allocator. */
  private static ByteBuf fromVertx(byte[] bytes, int at, int n) {
    return ((BufferInternal) Buffer.buffer(bytes).getBuffer(at, at + n)).getByteBuf();
  }

  /** Feeds {@code bytes} in pieces of the sizes given in turn; returns what the consumer was handed, in order. */
  private static Buffer feed(UploadBuffer upload, Buffer handed, byte[] bytes, boolean vertx, int... sizes) {
    int p = 0;
    for (int at = 0; at < bytes.length; ) {
      int n = Math.min(sizes[p++ % sizes.length], bytes.length - at);
      upload.append(vertx ? fromVertx(bytes, at, n) : Unpooled.wrappedBuffer(bytes, at, n));
      at += n;
    }
    upload.end();
    return handed;
  }

  private static UploadBuffer collecting(Buffer handed) {
    return new UploadBuffer((ByteBuffer view) -> {
      byte[] b = new byte[view.remaining()];
      view.duplicate().get(b);
      handed.appendBytes(b);
    });
  }

  @Test
  void largePiecesFromVertxAreKeptNotCopied() {
    byte[] bytes = random(10 * 65_536 + 123);
    ByteBuf first = fromVertx(bytes, 0, 65_536);
    UploadBuffer upload = new UploadBuffer();
    upload.append(first);
    upload.append(fromVertx(bytes, 65_536, bytes.length - 65_536));
    upload.end();
    Buffer file = upload.toBuffer();
    assertEquals(Buffer.buffer(bytes), file);
    assertEquals(bytes.length, upload.capacity(), "nothing staged, nothing copied");
    first.setByte(7, first.getByte(7) + 1); // the piece itself is the file's first part
    assertEquals(first.getByte(7), file.getByte(7));
  }

  @Test
  void piecesFromElsewhereAreCopiedIntoStagingParts() {
    byte[] bytes = random(5 * UploadBuffer.STAGE + 999);
    Buffer handed = Buffer.buffer();
    UploadBuffer upload = collecting(handed);
    feed(upload, handed, bytes, false, 65_536, 10_000);
    Buffer file = upload.toBuffer();
    assertEquals(Buffer.buffer(bytes), file);
    assertEquals(Buffer.buffer(bytes), handed);
    bytes[3]++;
    assertEquals((byte) (bytes[3] - 1), file.getByte(3), "a copy: the caller may reuse its buffer");
    assertTrue(upload.capacity() <= bytes.length + UploadBuffer.STAGE, "at most one staging buffer more: " + upload.capacity());
  }

  /** A client sending a few bytes at a time costs a copy of them, never an object per piece. */
  @Test
  void smallPiecesFromVertxAreGatheredWithoutAPartEach() {
    byte[] bytes = random(3 * UploadBuffer.STAGE + 17);
    Buffer handed = Buffer.buffer();
    UploadBuffer upload = collecting(handed);
    feed(upload, handed, bytes, true, 1, 7, 100, UploadBuffer.KEEP - 1);
    assertEquals(Buffer.buffer(bytes), upload.toBuffer());
    assertEquals(Buffer.buffer(bytes), handed);
    assertTrue(upload.capacity() <= bytes.length + UploadBuffer.STAGE, "memory follows what arrived: " + upload.capacity());
  }

  /** Kept and staged pieces alternate (a part's tail held back between two reads): order and bytes survive. */
  @Test
  void keptAndStagedPiecesKeepTheirOrder() {
    byte[] bytes = random(40 * 8192);
    Buffer handed = Buffer.buffer();
    UploadBuffer upload = collecting(handed);
    feed(upload, handed, bytes, true, 8192, 45, 3, UploadBuffer.KEEP, 60_000);
    assertEquals(Buffer.buffer(bytes), upload.toBuffer());
    assertEquals(Buffer.buffer(bytes), handed);
    assertTrue(upload.capacity() <= bytes.length + UploadBuffer.STAGE, "memory follows what arrived: " + upload.capacity());
  }

  @Test
  void aSmallFileIsOnePlainBufferAndStagedBytesNeedEnd() {
    byte[] bytes = random(5000);
    UploadBuffer upload = new UploadBuffer();
    upload.append(Unpooled.wrappedBuffer(bytes, 0, 1000));
    assertThrows(IllegalStateException.class, upload::toBuffer);
    upload.append(Unpooled.wrappedBuffer(bytes, 1000, 4000));
    upload.end();
    assertEquals(Buffer.buffer(bytes), upload.toBuffer());
    assertEquals(5000, upload.length());
    assertEquals(Buffer.buffer(), new UploadBuffer().toBuffer());
  }
}
