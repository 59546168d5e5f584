package io.switchboard.usage.journal;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One journal segment file, created at its full size and mapped into memory (MAP_SHARED), so that a record is
 * appended by copying its bytes into the mapping: no system call, and what is copied is in the kernel's page cache at
 * once (a crash of the process, kill -9 included, cannot lose it). Every page is touched when the segment is prepared,
 * on a background thread, so that a copy into it finds the page there instead of faulting it in. Bytes past the data
 * are zeros (JSON text never holds a zero byte), which is how a reopen finds where the data ends
 * ({@link #dataLength}).
 * <p>
 * Not thread-safe: the journal copies into it under its lock, and only the syncer forces and unmaps it.
 */
final class MappedSegment {

  private static final int PAGE = 4096;
  private static final MethodHandle INVOKE_CLEANER = cleaner();

  final long id;
  final Path path;
  private final FileChannel channel;
  private final MappedByteBuffer map;
  /** Bytes forced to disk so far (from 0). */
  private int forced;

  private MappedSegment(long id, Path path, FileChannel channel, MappedByteBuffer map) {
    this.id = id;
    this.path = path;
    this.channel = channel;
    this.map = map;
  }

  /** Creates {@code path} ({@code capacity} bytes of zeros), maps it and touches every page. Blocks. */
  static MappedSegment create(long id, Path path, int capacity) throws IOException {
    FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      ch.write(ByteBuffer.wrap(new byte[1]), capacity - 1L);
      MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, capacity);
      for (int i = 0; i < capacity; i += PAGE) {
        map.put(i, (byte) 0);
      }
      return new MappedSegment(id, path, ch, map);
    } catch (IOException | RuntimeException | InternalError e) {
      ch.close();
      Files.deleteIfExists(path);
      // A page that cannot be backed (the disk is full) faults on touch: the JVM reports it as an InternalError.
      throw e instanceof IOException io ? io : new IOException("journal segment " + path.getFileName() + " could not be prepared: "
        + e.getMessage(), e);
    }
  }

  int capacity() {
    return map.capacity();
  }

  /** Copies {@code src}'s remaining bytes to {@code at} (the caller made sure they fit). */
  void put(int at, ByteBuffer src) {
    map.put(at, src, src.position(), src.remaining());
    src.position(src.limit());
  }

  /** Forces bytes up to {@code end} to disk (only the pages not forced yet: msync of that range). */
  void force(int end) {
    if (end > forced) {
      map.force(forced, end - forced);
      forced = end;
    }
  }

  /**
   * Lets go of the mapping and the file, keeping the file's first {@code length} bytes (the data: the zeros past it
   * go, so a closed segment's size is its data). No copy into it may follow or be under way.
   */
  void close(int length) throws IOException {
    unmap();
    try (channel) {
      if (length < map.capacity()) {
        channel.truncate(length);
      }
    }
  }

  /** The mapping's pages leave the process at once (a dropped mapping would stay until the garbage collector runs). */
  private void unmap() {
    if (INVOKE_CLEANER != null) {
      try {
        INVOKE_CLEANER.invoke(map);
      } catch (Throwable e) {
        // Left to the garbage collector.
      }
    }
  }

  private static MethodHandle cleaner() {
    try {
      Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
      Field f = unsafeClass.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      Object unsafe = f.get(null);
      return MethodHandles.lookup().findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
        .bindTo(unsafe);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The length of the data in a segment file: up to its last byte that is not zero. A segment of an earlier run that
   * ended in a crash is as long as it was created; one closed cleanly was cut to its data.
   */
  static long dataLength(Path path) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long end = ch.size();
      ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
      while (end > 0) {
        long from = Math.max(0, end - buf.capacity());
        buf.clear().limit((int) (end - from));
        while (buf.hasRemaining() && ch.read(buf, from + buf.position()) >= 0) {
          // read the whole chunk
        }
        for (int i = buf.position() - 1; i >= 0; i--) {
          if (buf.get(i) != 0) {
            return from + i + 1;
          }
        }
        end = from;
      }
      return 0;
    }
  }
}
