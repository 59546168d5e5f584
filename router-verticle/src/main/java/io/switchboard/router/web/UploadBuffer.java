package io.switchboard.router.web;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * An uploaded file gathered as it arrives, in blocks of about 1 MiB. A buffer that grows by reallocation copies
 * everything it holds at each step (a 25 MB upload allocated about 90 MB that way, and held old and new at once);
 * blocks are written once and never moved, so the memory is what was received plus less than a block. When the
 * request says how long it is, blocks are cut to fit, and a file that fits one block is one plain buffer.
 *
 * <p>Memory is taken as bytes arrive, never up front from a declared length: a client that announces 25 MB and
 * sends nothing costs nothing.
 */
final class UploadBuffer {

  /**
   * Just under 1 MiB: a block and its array header fit one region of G1's smallest size (1 MiB, small heaps), where a
   * block of exactly 1 MiB would be a humongous object taking two regions, half of them empty.
   */
  static final int BLOCK = (1 << 20) - 64;
  private static final int FIRST_UNKNOWN_BLOCK = 64 * 1024;

  private final List<ByteBuf> blocks = new ArrayList<>();
  private final long expected;
  private ByteBuf current;
  private long length;

  /** @param expected bytes the file can still be at most (from the request's length), or -1 when unknown */
  UploadBuffer(long expected) {
    this.expected = expected;
  }

  long length() {
    return length;
  }

  /** Bytes taken for blocks: what was received plus the unfilled end of the last block. */
  long capacity() {
    return blocks.stream().mapToLong(ByteBuf::capacity).sum();
  }

  /**
   * Copies the readable bytes of {@code data} (its reader index moves to the end) and hands {@code written} a view of
   * where they now lie (one per block they went into): bytes that never change nor move again.
   */
  void append(ByteBuf data, Consumer<ByteBuffer> written) {
    while (data.isReadable()) {
      if (current == null || !current.isWritable()) {
        current = Unpooled.wrappedBuffer(new byte[nextBlockSize(data.readableBytes())]).clear();
        blocks.add(current);
      }
      int n = Math.min(current.writableBytes(), data.readableBytes());
      int at = current.writerIndex();
      current.writeBytes(data, n);
      length += n;
      written.accept(current.nioBuffer(at, n));
    }
  }

  void append(ByteBuf data) {
    append(data, b -> { });
  }

  private int nextBlockSize(int atHand) {
    if (expected >= 0) {
      // Never less than what is at hand: the declared length may be wrong.
      return (int) Math.min(BLOCK, Math.max(atHand, expected - length));
    }
    int previous = current == null ? FIRST_UNKNOWN_BLOCK / 2 : current.capacity();
    return Math.min(BLOCK, Math.max(atHand, previous * 2));
  }

  /** The file as one buffer: the single block itself, or a composite view of the blocks (nothing copied). */
  Buffer toBuffer() {
    if (blocks.isEmpty()) {
      return Buffer.buffer();
    }
    if (blocks.size() == 1) {
      return BufferInternal.buffer(blocks.get(0));
    }
    return BufferInternal.buffer(new CompositeByteBuf(UnpooledByteBufAllocator.DEFAULT, false, blocks.size(), blocks));
  }
}
