package io.switchboard.router.web;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.impl.buffer.VertxByteBufAllocator;
import io.vertx.core.internal.buffer.BufferInternal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * An uploaded file gathered as it arrives, without copying what need not be copied. Vert.x hands an HTTP request's
 * handler each piece of the body as a heap buffer of its own (copied out of Netty's pooled memory so that the handler
 * may keep it; HTTP/1 and HTTP/2 alike): a piece of at least {@value #KEEP} bytes from Vert.x is kept as it is, as one
 * part of the file. Anything else (shorter pieces, bytes from elsewhere) is copied into a staging buffer of
 * {@value #STAGE} bytes that becomes a part when full, or is copied into a part of its exact size when a kept piece
 * or the file's end comes first. So memory is what was received plus one staging buffer, and a client that sends a
 * byte at a time costs a copy of each byte, never an object per byte. (Before, every byte was copied into blocks of
 * 1 MiB: for a 960 KB upload a second copy and a zeroed MiB on the event loop, per request, on top of Vert.x's.)
 *
 * <p>Each part, once made, is handed to the consumer given at construction as a view of bytes that never change nor
 * move again (the hasher of the file's CID reads them on workers); {@link #end} hands over the last one.
 */
final class UploadBuffer {

  /** A piece from Vert.x at least this long is kept as it came: its object costs under 3 % of its bytes. */
  static final int KEEP = 4096;
  static final int STAGE = 64 * 1024;

  private final List<ByteBuf> parts = new ArrayList<>();
  private final Consumer<ByteBuffer> written;
  private ByteBuf stage;
  private long length;

  /** @param written gets a view of each part as it is made, in order */
  UploadBuffer(Consumer<ByteBuffer> written) {
    this.written = written;
  }

  UploadBuffer() {
    this(b -> { });
  }

  long length() {
    return length;
  }

  /** Bytes held: the parts and the staging buffer. */
  long capacity() {
    return parts.stream().mapToLong(ByteBuf::capacity).sum() + (stage == null ? 0 : stage.capacity());
  }

  /** Takes the readable bytes of {@code data} (its reader index moves to the end): kept as they are, or copied. */
  void append(ByteBuf data) {
    int n = data.readableBytes();
    length += n;
    if (n >= KEEP && handlersOwn(data)) {
      end();
      part(data.readSlice(n));
      return;
    }
    while (data.isReadable()) {
      if (stage == null) {
        stage = Unpooled.buffer(STAGE, STAGE);
      }
      stage.writeBytes(data, Math.min(stage.writableBytes(), data.readableBytes()));
      if (!stage.isWritable()) {
        part(stage);
        stage = null;
      }
    }
  }

  /**
   * The file ended (or a kept piece comes next): what is staged becomes a part of its exact size. The staging buffer
   * is used again after.
   */
  void end() {
    if (stage != null && stage.isReadable()) {
      part(Unpooled.copiedBuffer(stage));
      stage.clear();
    }
  }

  private void part(ByteBuf part) {
    parts.add(part);
    written.accept(part.nioBuffer());
  }

  /**
   * True for a heap buffer that Vert.x's allocator made, which is how it hands a request's body to its handler: a
   * copy no one else holds or writes. A buffer from anywhere else (a test's, Netty's pooled memory) is copied.
   */
  private static boolean handlersOwn(ByteBuf data) {
    return data.hasArray() && data.alloc() instanceof VertxByteBufAllocator;
  }

  /** The file as one buffer: its single part, or a composite view of its parts (nothing copied). Call {@link #end} first. */
  Buffer toBuffer() {
    if (stage != null && stage.isReadable()) {
      throw new IllegalStateException("end() first: bytes are still staged");
    }
    if (parts.isEmpty()) {
      return Buffer.buffer();
    }
    if (parts.size() == 1) {
      return BufferInternal.buffer(parts.get(0));
    }
    return BufferInternal.buffer(new CompositeByteBuf(UnpooledByteBufAllocator.DEFAULT, false, parts.size(), parts));
  }
}
