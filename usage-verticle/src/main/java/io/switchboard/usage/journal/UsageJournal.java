package io.switchboard.usage.journal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The local write-ahead journal of usage records: newline-separated JSON appended to numbered segment files and
 * fsynced before a record is acknowledged, so an answered request's record survives a crash. Segments are
 * replayed into the store by {@link JournalCursor} and deleted once stored; every start opens a fresh segment so
 * a torn tail left by a crash is never appended to.
 * <p>
 * Threading: {@link #append} and {@link #rotate} are called from one thread (the journal's single worker);
 * segment metadata is read from others (the cursor, status), under this object's lock. All methods block.
 */
public final class UsageJournal implements Closeable {

  /** A segment: its durable length is the bytes fsynced so far; a closed one never grows again. */
  public record Segment(long id, Path path, long durableBytes, boolean closed, long createdMs) {
  }

  private static final String PREFIX = "segment-";
  private static final String SUFFIX = ".log";

  private final Path dir;
  private final long segmentBytes;
  private final TreeMap<Long, Segment> segments = new TreeMap<>();
  private FileChannel lockChannel;
  private FileLock lock;
  private FileChannel current;
  private long currentId;

  /** {@code segmentBytes}: a segment is closed and a new one begun once it reaches this size. */
  public UsageJournal(Path dir, long segmentBytes) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
  }

  /**
   * Locks the folder (one journal per folder, across processes), takes the segments left by earlier runs as
   * closed and opens a new one.
   */
  public synchronized void open() throws IOException {
    Files.createDirectories(dir);
    lockChannel = FileChannel.open(dir.resolve("journal.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      lock = lockChannel.tryLock();
    } catch (OverlappingFileLockException sameJvm) {
      lock = null;
    }
    if (lock == null) {
      lockChannel.close();
      throw new IOException("usage journal " + dir + " is in use by another process");
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
      for (Path p : files) {
        long id = idOf(p);
        if (id >= 0) {
          segments.put(id, new Segment(id, p, Files.size(p), true, Files.getLastModifiedTime(p).toMillis()));
        }
      }
    }
    currentId = segments.isEmpty() ? 1 : segments.lastKey() + 1;
    openCurrent();
  }

  private static long idOf(Path p) {
    String name = p.getFileName().toString();
    try {
      return Long.parseLong(name.substring(PREFIX.length(), name.length() - SUFFIX.length()));
    } catch (RuntimeException e) {
      return -1;
    }
  }

  private void openCurrent() throws IOException {
    Path path = dir.resolve(String.format("%s%020d%s", PREFIX, currentId, SUFFIX));
    current = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    syncDir();
    segments.put(currentId, new Segment(currentId, path, 0, false, System.currentTimeMillis()));
  }

  /** Makes a created or deleted file name durable: on Linux the folder itself must be synced. */
  private void syncDir() {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Some file systems cannot open a folder for sync; the file's own fsync still holds its content.
    }
  }

  /** Appends lines (each without its newline) and fsyncs them; when this returns they survive a crash. */
  public void append(List<byte[]> lines) throws IOException {
    int size = 0;
    for (byte[] l : lines) {
      size += l.length + 1;
    }
    ByteBuffer buf = ByteBuffer.allocate(size);
    for (byte[] l : lines) {
      buf.put(l).put((byte) '\n');
    }
    buf.flip();
    FileChannel ch;
    long start;
    synchronized (this) {
      ch = current;
      start = segments.get(currentId).durableBytes();
    }
    try {
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(false);
    } catch (IOException e) {
      // A half-written batch (disk full) must not glue itself to the next record: cut back to the last fsync.
      ch.truncate(start);
      ch.position(start);
      throw e;
    }
    long end = ch.position();
    synchronized (this) {
      Segment s = segments.get(currentId);
      segments.put(currentId, new Segment(s.id(), s.path(), end, false, s.createdMs()));
    }
    if (end >= segmentBytes) {
      rotate();
    }
  }

  /** Closes the current segment and opens the next; nothing happens when the current one is empty. */
  public synchronized void rotate() throws IOException {
    Segment s = segments.get(currentId);
    if (s.durableBytes() == 0) {
      return;
    }
    current.close();
    segments.put(currentId, new Segment(s.id(), s.path(), s.durableBytes(), true, s.createdMs()));
    currentId++;
    openCurrent();
  }

  /** Rotates when the current segment is at least {@code minBytes} long or older than {@code maxAgeMs}. */
  public synchronized boolean rotateIf(long minBytes, long maxAgeMs) throws IOException {
    Segment s = segments.get(currentId);
    if (s.durableBytes() > 0 && (s.durableBytes() >= minBytes || System.currentTimeMillis() - s.createdMs() >= maxAgeMs)) {
      rotate();
      return true;
    }
    return false;
  }

  /** The first segment with an id at or after {@code id}, or null. */
  public synchronized Segment segmentAtOrAfter(long id) {
    Map.Entry<Long, Segment> e = segments.ceilingEntry(id);
    return e == null ? null : e.getValue();
  }

  public synchronized List<Segment> segments() {
    return new ArrayList<>(segments.values());
  }

  /** Deletes a closed segment whose records are all in the store. */
  public synchronized void delete(long id) throws IOException {
    Segment s = segments.get(id);
    if (s == null) {
      return;
    }
    if (!s.closed()) {
      throw new IllegalStateException("the current journal segment cannot be deleted");
    }
    Files.deleteIfExists(s.path());
    segments.remove(id);
    syncDir();
  }

  public Path dir() {
    return dir;
  }

  @Override
  public synchronized void close() throws IOException {
    try {
      if (current != null) {
        current.close();
        Segment s = segments.get(currentId);
        if (s != null && s.durableBytes() == 0) {
          Files.deleteIfExists(s.path());
          segments.remove(currentId);
        }
      }
    } finally {
      if (lock != null) {
        lock.release();
      }
      if (lockChannel != null) {
        lockChannel.close();
      }
    }
  }
}
