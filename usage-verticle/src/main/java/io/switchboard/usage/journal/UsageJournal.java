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
 * Each segment is a {@link MappedSegment}: created at full size, mapped and its pages touched ahead of use, so that
 * {@link #tryWrite} is a copy under a lock with no system call and no wait, cheap enough for an event loop. The next
 * segment (the spare) is prepared in the background ({@link #prepareSpare}, by the syncer's thread), so a rotation is a
 * switch of pointers; only when no spare is ready does {@link #tryWrite} decline, and {@link #write} (for a thread that
 * may block) prepares one itself.
 * <p>
 * Threading: writes and rotations are serialised by this object's lock, held only for copies and pointer switches;
 * preparing a spare (file creation, mapping, touching pages) is serialised by its own lock and runs outside this one;
 * {@link #sync} runs beside writes (an fsync never holds up a write).
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

  /** A segment closed by a rotation, with its data's length: the next {@link #sync} forces it and lets it go. */
  private record Retired(MappedSegment segment, int length) {
  }

  private static final String PREFIX = "segment-";
  private static final String SUFFIX = ".log";

  private final Path dir;
  private final int capacity;
  private final Object prepareLock = new Object();
  private final Object syncLock = new Object();
  /** Closed segments and the current one (whose bytes are {@link #pos}, not the entry's). */
  private final TreeMap<Long, Segment> segments = new TreeMap<>();
  private final List<Retired> retired = new ArrayList<>();
  private FileChannel lockChannel;
  private FileLock lock;
  private MappedSegment current;
  private int pos;
  private MappedSegment spare;
  private long written;
  private long synced;
  private long syncs;

  /** {@code segmentBytes}: the size of a segment (a batch larger than it gets a segment of its own size). */
  public UsageJournal(Path dir, long segmentBytes) {
    this.dir = dir;
    this.capacity = (int) Math.max(4096, Math.min(segmentBytes, 1L << 30));
  }

  /**
   * Locks the folder (one journal per folder, across processes), takes the segments left by earlier runs as
   * closed (their data ends at their last byte that is not zero) and opens a new one, with a spare.
   */
  public void open() throws IOException {
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
    TreeMap<Long, Segment> found = new TreeMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
      for (Path p : files) {
        long id = idOf(p);
        if (id >= 0) {
          found.put(id, new Segment(id, p, MappedSegment.dataLength(p), true, Files.getLastModifiedTime(p).toMillis()));
        }
      }
    }
    long id = found.isEmpty() ? 1 : found.lastKey() + 1;
    MappedSegment first = MappedSegment.create(id, pathOf(id), capacity);
    syncDir();
    synchronized (this) {
      segments.putAll(found);
      current = first;
      pos = 0;
      segments.put(id, new Segment(id, first.path, 0, false, System.currentTimeMillis()));
    }
    prepareSpare(0);
  }

  private static long idOf(Path p) {
    String name = p.getFileName().toString();
    try {
      return Long.parseLong(name.substring(PREFIX.length(), name.length() - SUFFIX.length()));
    } catch (RuntimeException e) {
      return -1;
    }
  }

  private Path pathOf(long id) {
    return dir.resolve(String.format("%s%020d%s", PREFIX, id, SUFFIX));
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
   * Copies {@code batch} (whole lines) to the end of the journal and returns where it went, or null when the current
   * segment has no room and no spare is ready (then {@link #write} does it). Never blocks: no system call, pages
   * already touched. When this returns the bytes are in the page cache: readable by the cursor, kept through a crash
   * of this process, not yet synced.
   */
  public synchronized Written tryWrite(ByteBuffer batch) {
    if (current == null) {
      throw new IllegalStateException("the usage journal is closed");
    }
    int size = batch.remaining();
    if (pos + size > current.capacity()) {
      if (spare == null || spare.capacity() < size) {
        return null;
      }
      switchToSpare();
    }
    int start = pos;
    current.put(start, batch);
    pos = start + size;
    written += size;
    return new Written(current.id, start, pos, written);
  }

  /** {@link #tryWrite}, preparing a spare first when it is needed (blocks then). */
  public Written write(ByteBuffer batch) throws IOException {
    while (true) {
      Written w = tryWrite(batch);
      if (w != null) {
        return w;
      }
      prepareSpare(batch.remaining());
    }
  }

  /** Closes the current segment and makes the spare current. Under this object's lock; the spare is there. */
  private void switchToSpare() {
    Segment s = segments.get(current.id);
    segments.put(s.id(), new Segment(s.id(), s.path(), pos, true, s.createdMs()));
    retired.add(new Retired(current, pos));
    current = spare;
    spare = null;
    pos = 0;
    segments.put(current.id, new Segment(current.id, current.path, 0, false, System.currentTimeMillis()));
  }

  /**
   * Prepares the next segment (created, mapped, its pages touched) unless one of at least {@code minBytes} is ready.
   * Blocks: called by the syncer's thread after each fsync, and by {@link #write} and {@link #rotate} when none is ready.
   */
  public void prepareSpare(int minBytes) throws IOException {
    synchronized (prepareLock) {
      MappedSegment tooSmall;
      long id;
      synchronized (this) {
        if (current == null || (spare != null && spare.capacity() >= minBytes)) {
          return;
        }
        tooSmall = spare;
        spare = null;
        // No switch can happen meanwhile (there is no spare to switch to): the current segment stays this one.
        id = current.id + 1;
      }
      if (tooSmall != null) {
        discard(tooSmall);
      }
      MappedSegment made = MappedSegment.create(id, pathOf(id), Math.max(capacity, minBytes));
      syncDir();
      boolean taken;
      synchronized (this) {
        taken = current != null;
        if (taken) {
          spare = made;
        }
      }
      if (!taken) {
        discard(made);
      }
    }
  }

  private static void discard(MappedSegment s) throws IOException {
    s.close(0);
    Files.deleteIfExists(s.path);
  }

  /**
   * Fsyncs everything written so far (the current segment and the segments closed since the last sync, which are
   * then let go) and returns the position now synced. Runs beside {@link #tryWrite}: what is written meanwhile waits
   * for the next sync. Only the pages written are forced (the touched zeros past them are not data).
   */
  public long sync() throws IOException {
    synchronized (syncLock) {
      long target;
      List<Retired> closing;
      MappedSegment open;
      int end;
      synchronized (this) {
        target = written;
        if (target == synced && retired.isEmpty()) {
          return synced;
        }
        closing = new ArrayList<>(retired);
        open = current;
        end = pos;
      }
      for (Retired r : closing) {
        r.segment().force(r.length());
      }
      // Retired by a rotation meanwhile: still mapped (only a sync lets go), and forced again next time at no cost.
      if (open != null) {
        open.force(end);
      }
      synchronized (this) {
        retired.removeAll(closing);
        synced = Math.max(synced, target);
        syncs++;
      }
      for (Retired r : closing) {
        r.segment().close(r.length());
      }
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
    synchronized (this) {
      if (pos == 0) {
        return;
      }
    }
    prepareSpare(0);
    synchronized (this) {
      if (pos > 0 && spare != null) {
        switchToSpare();
      }
    }
  }

  /** Rotates when the current segment is at least {@code minBytes} long or older than {@code maxAgeMs}. */
  public boolean rotateIf(long minBytes, long maxAgeMs) throws IOException {
    synchronized (this) {
      Segment s = segments.get(current.id);
      if (pos == 0 || (pos < minBytes && System.currentTimeMillis() - s.createdMs() < maxAgeMs)) {
        return false;
      }
    }
    rotate();
    return true;
  }

  /** The current segment's entry with its bytes now. Under this object's lock. */
  private Segment view(Segment s) {
    return current != null && s.id() == current.id ? new Segment(s.id(), s.path(), pos, false, s.createdMs()) : s;
  }

  /** The first segment with an id at or after {@code id}, or null. */
  public synchronized Segment segmentAtOrAfter(long id) {
    Map.Entry<Long, Segment> e = segments.ceilingEntry(id);
    return e == null ? null : view(e.getValue());
  }

  public synchronized List<Segment> segments() {
    List<Segment> out = new ArrayList<>(segments.size());
    segments.values().forEach(s -> out.add(view(s)));
    return out;
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

  /**
   * Syncs what was written (a clean stop loses nothing even to a machine crash right after), then lets go: the
   * current segment is cut to its data (deleted when empty) and the spare deleted.
   */
  @Override
  public void close() throws IOException {
    try {
      if (current != null) {
        sync();
      }
    } finally {
      synchronized (syncLock) {
        synchronized (prepareLock) {
          closeFiles();
        }
      }
    }
  }

  private void closeFiles() throws IOException {
    MappedSegment last;
    int length;
    MappedSegment unused;
    List<Retired> left;
    synchronized (this) {
      last = current;
      length = pos;
      unused = spare;
      left = new ArrayList<>(retired);
      current = null;
      spare = null;
      retired.clear();
      if (last != null && length == 0) {
        segments.remove(last.id);
      }
    }
    try {
      for (Retired r : left) {
        r.segment().close(r.length());
      }
      if (unused != null) {
        discard(unused);
      }
      if (last != null) {
        if (length == 0) {
          discard(last);
        } else {
          last.close(length);
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
