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
 * The local write-ahead journal of usage records: newline-separated JSON appended to numbered segment files.
 * Writing and syncing are separate steps: {@link #write} puts a batch in the file (the kernel's page cache: from then
 * on it survives a crash of this process), {@link #sync} fsyncs everything written so far (from then on it survives a
 * crash of the machine). Positions are counted in bytes over the journal's life in this process, so a caller can
 * tell whether its batch is synced ({@link #syncedPosition()} at or past the end {@link #write} returned). Segments
 * are replayed into the store by {@link JournalCursor} and deleted once stored; every start opens a fresh segment
 * so a torn tail left by a crash is never appended to.
 * <p>
 * Threading: {@link #write} and the rotations are serialised by a write lock (one writer thread, plus the shipper's
 * occasional rotation); {@link #sync} runs on another thread at the same time as writes (an fsync never holds up a
 * write); segment metadata is read by others (the cursor, status) under this object's lock. All methods block.
 */
public final class UsageJournal implements Closeable {

  /**
   * Where a write went: bytes {@code start} to {@code end} of segment {@code segmentId}, and the journal's position
   * after it (see {@link #syncedPosition()}).
   */
  public record Written(long segmentId, long start, long end, long position) {
  }

  /** A segment: {@code bytes} written so far (not necessarily synced); a closed one never grows again. */
  public record Segment(long id, Path path, long bytes, boolean closed, long createdMs) {
  }

  private static final String PREFIX = "segment-";
  private static final String SUFFIX = ".log";

  private final Path dir;
  private final long segmentBytes;
  private final Object writeLock = new Object();
  private final TreeMap<Long, Segment> segments = new TreeMap<>();
  /** Channels of closed segments not yet fsynced since they were closed; the next {@link #sync} syncs and closes them. */
  private final List<FileChannel> retired = new ArrayList<>();
  private FileChannel lockChannel;
  private FileLock lock;
  private FileChannel current;
  private long currentId;
  private long written;
  private long synced;
  private long syncs;

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

  /**
   * Writes {@code batch} (whole lines) at the end of the journal and returns where it went. When this returns the
   * bytes are in the file: readable by the cursor, kept through a crash of this process, not yet synced.
   */
  public Written write(ByteBuffer batch) throws IOException {
    synchronized (writeLock) {
      FileChannel ch;
      long start;
      synchronized (this) {
        ch = current;
        start = segments.get(currentId).bytes();
      }
      int size = batch.remaining();
      try {
        while (batch.hasRemaining()) {
          ch.write(batch);
        }
      } catch (IOException e) {
        // A half-written batch (disk full) must not glue itself to the next record: cut back to its start.
        ch.truncate(start);
        ch.position(start);
        throw e;
      }
      Written w;
      boolean full;
      synchronized (this) {
        Segment s = segments.get(currentId);
        segments.put(currentId, new Segment(s.id(), s.path(), start + size, false, s.createdMs()));
        written += size;
        w = new Written(currentId, start, start + size, written);
        full = start + size >= segmentBytes;
      }
      if (full) {
        rotate();
      }
      return w;
    }
  }

  /**
   * Fsyncs everything written so far (the current segment and the segments closed since the last sync, which are
   * then let go) and returns the position now synced. Runs beside {@link #write}: what is written meanwhile waits for
   * the next sync.
   */
  public long sync() throws IOException {
    long target;
    List<FileChannel> closing;
    FileChannel open;
    synchronized (this) {
      target = written;
      if (target == synced && retired.isEmpty()) {
        return synced;
      }
      closing = new ArrayList<>(retired);
      open = current;
    }
    for (FileChannel ch : closing) {
      ch.force(false);
    }
    // Closed by a rotation meanwhile: it was retired after the snapshot and is synced and closed next time.
    if (open.isOpen()) {
      open.force(false);
    }
    synchronized (this) {
      for (FileChannel ch : closing) {
        ch.close();
        retired.remove(ch);
      }
      synced = Math.max(synced, target);
      syncs++;
      return synced;
    }
  }

  /** Bytes written since open (the position after the last write). */
  public synchronized long writtenPosition() {
    return written;
  }

  /** Bytes fsynced since open. */
  public synchronized long syncedPosition() {
    return synced;
  }

  /** Fsyncs done since open. */
  public synchronized long syncCount() {
    return syncs;
  }

  /** Closes the current segment and opens the next; nothing happens when the current one is empty. */
  public void rotate() throws IOException {
    synchronized (writeLock) {
      synchronized (this) {
        Segment s = segments.get(currentId);
        if (s.bytes() == 0) {
          return;
        }
        // Not closed here: the sync thread may be fsyncing it right now. The next sync fsyncs and closes it.
        retired.add(current);
        segments.put(currentId, new Segment(s.id(), s.path(), s.bytes(), true, s.createdMs()));
        currentId++;
        openCurrent();
      }
    }
  }

  /** Rotates when the current segment is at least {@code minBytes} long or older than {@code maxAgeMs}. */
  public boolean rotateIf(long minBytes, long maxAgeMs) throws IOException {
    synchronized (writeLock) {
      Segment s = segmentAtOrAfter(currentId());
      if (s.bytes() > 0 && (s.bytes() >= minBytes || System.currentTimeMillis() - s.createdMs() >= maxAgeMs)) {
        rotate();
        return true;
      }
      return false;
    }
  }

  private synchronized long currentId() {
    return currentId;
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

  /** Syncs what was written (a clean stop loses nothing even to a machine crash right after), then lets go. */
  @Override
  public void close() throws IOException {
    synchronized (writeLock) {
      try {
        if (current != null && current.isOpen()) {
          sync();
        }
      } finally {
        synchronized (this) {
          closeFiles();
        }
      }
    }
  }

  private void closeFiles() throws IOException {
    try {
      for (FileChannel ch : retired) {
        ch.close();
      }
      retired.clear();
      if (current != null) {
        current.close();
        Segment s = segments.get(currentId);
        if (s != null && s.bytes() == 0) {
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
