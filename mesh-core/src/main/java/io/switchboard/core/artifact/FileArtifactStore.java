package io.switchboard.core.artifact;

import io.netty.buffer.Unpooled;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.cid.Cid;
import io.switchboard.core.cid.FileDag;
import io.switchboard.core.cid.FileDagHasher;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The embedded store: content-addressed files under a data directory, {@code blobs/<last two characters>/<cid>}
 * (the bytes), {@code <cid>.dag} (the DAG's nodes, for files of more than one chunk) and {@code <cid>.json} (size,
 * times, claims). Bytes are written to {@code tmp/}, forced to disk and renamed into place once (an atomic move), the
 * metadata last: an artifact exists when its metadata does; anything else found at start is an interrupted write and
 * is removed. Reads check every chunk ({@link VerifiedReader}). One process per directory (a lock file says so).
 * All file work runs on the store's worker pool; the index of what is stored lives in memory.
 */
public final class FileArtifactStore implements ArtifactStore {

  private static final Logger LOG = Logger.getLogger(FileArtifactStore.class.getName());

  private final WorkerExecutor workers;
  private final LongSupplier clock;
  private final FileIndex index;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final DeletionHooks hooks;

  private FileArtifactStore(WorkerExecutor workers, LongSupplier clock, FileIndex index, FileChannel lockChannel, FileLock lock) {
    this.workers = workers;
    this.clock = clock;
    this.hooks = new DeletionHooks(clock);
    this.index = index;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /** Opens (creating) the store in {@code dir} with {@code threads} worker threads. */
  public static Future<FileArtifactStore> open(Vertx vertx, Path dir, int threads) {
    return open(vertx, dir, threads, System::currentTimeMillis);
  }

  /** {@link #open(Vertx, Path, int)} with a clock for the artifacts' times (tests of retention). */
  public static Future<FileArtifactStore> open(Vertx vertx, Path dir, int threads, LongSupplier clock) {
    WorkerExecutor workers = vertx.createSharedWorkerExecutor("switchboard-artifacts-" + dir.toAbsolutePath(), threads);
    return workers.executeBlocking(() -> {
      Files.createDirectories(dir);
      FileChannel channel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock(); // null when another process holds it
      } catch (OverlappingFileLockException sameProcess) {
        lock = null;
      }
      if (lock == null) {
        channel.close();
        throw new IllegalStateException("artifact directory " + dir + " is in use by another process: give each node its own artifacts.data_dir");
      }
      FileIndex index = FileIndex.load(dir);
      return new FileArtifactStore(workers, clock, index, channel, lock);
    }, false).onFailure(e -> workers.close());
  }

  @Override
  public String kind() {
    return "file";
  }

  @Override
  public Future<ArtifactInfo> put(ArtifactTag tag, Buffer bytes, FileDag dag) {
    if (bytes.length() != dag.size()) {
      return Future.failedFuture(new IllegalArgumentException("the DAG describes " + dag.size() + " bytes, got " + bytes.length()));
    }
    return workers.executeBlocking(() -> {
      long now = clock.getAsLong();
      ArtifactInfo existing = index.claimIfPresent(dag.root(), tag, now);
      if (existing != null) {
        return existing;
      }
      Path temp = index.newTemp();
      try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        writeAll(ch, bytes);
        ch.force(true);
      } catch (IOException | RuntimeException e) {
        Files.deleteIfExists(temp);
        throw e;
      }
      return index.commit(temp, dag, tag, now);
    }, false);
  }

  private static void writeAll(FileChannel ch, Buffer bytes) throws IOException {
    for (ByteBuffer part : ((BufferInternal) bytes).getByteBuf().nioBuffers()) {
      while (part.hasRemaining()) {
        ch.write(part);
      }
    }
  }

  @Override
  public ArtifactWriter writer(ArtifactTag tag) {
    return new Writer(tag);
  }

  /** Pieces go to a temporary file in order, each hashed on the worker that writes it. */
  private final class Writer implements ArtifactWriter {
    private final ArtifactTag tag;
    private final FileDagHasher hasher = new FileDagHasher();
    private Path temp;
    private FileChannel channel;
    private Future<Void> tail;
    private boolean ended;

    Writer(ArtifactTag tag) {
      this.tag = tag;
      this.tail = workers.executeBlocking(() -> {
        temp = index.newTemp();
        channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return null;
      }, false);
    }

    @Override
    public Future<Void> write(Buffer piece) {
      if (ended) {
        return Future.failedFuture(new IllegalStateException("writer already ended"));
      }
      tail = tail.compose(v -> workers.executeBlocking(() -> {
        hasher.update(piece);
        writeAll(channel, piece);
        return null;
      }, false));
      return tail;
    }

    @Override
    public Future<ArtifactInfo> end() {
      if (ended) {
        return Future.failedFuture(new IllegalStateException("writer already ended"));
      }
      ended = true;
      return tail.compose(v -> workers.executeBlocking(() -> {
        channel.force(true);
        channel.close();
        return index.commit(temp, hasher.finish(), tag, clock.getAsLong());
      }, false)).onFailure(e -> discard());
    }

    @Override
    public void abort() {
      ended = true;
      tail.onComplete(ar -> discard());
    }

    private void discard() {
      workers.executeBlocking(() -> {
        if (channel != null) {
          channel.close();
        }
        if (temp != null) {
          Files.deleteIfExists(temp);
        }
        return null;
      }, false);
    }
  }

  @Override
  public Future<ArtifactInfo> info(Cid cid) {
    return Future.succeededFuture(index.info(cid));
  }

  @Override
  public Future<ArtifactReader> open(Cid cid) {
    FileIndex.Entry entry = index.entry(cid);
    if (entry == null) {
      return Future.failedFuture(new MeshException(ErrorCode.NOT_FOUND, "no artifact " + cid));
    }
    return workers.<ArtifactReader>executeBlocking(() -> {
      FileDag dag;
      FileChannel ch;
      try {
        byte[] packed = entry.hasDag() ? Files.readAllBytes(index.dagPath(cid)) : new byte[0];
        dag = FileDag.verify(cid, entry.size(), packed);
        ch = FileChannel.open(index.dataPath(cid), StandardOpenOption.READ);
      } catch (NoSuchFileException e) {
        if (index.entry(cid) == null) {
          throw new MeshException(ErrorCode.NOT_FOUND, "no artifact " + cid); // deleted meanwhile
        }
        throw new CorruptArtifactException(cid, "file " + e.getFile() + " is missing");
      } catch (IllegalArgumentException e) {
        throw new CorruptArtifactException(cid, e.getMessage());
      }
      long onDisk = ch.size();
      if (onDisk != entry.size()) {
        ch.close();
        throw new CorruptArtifactException(cid, "the file has " + onDisk + " bytes, expected " + entry.size());
      }
      return new VerifiedReader(dag, new Source(cid, ch), this::corrupted);
    }, false).recover(e -> {
      if (e instanceof CorruptArtifactException c) {
        corrupted(c);
        return Future.failedFuture(c.toMeshException());
      }
      return Future.failedFuture(e);
    });
  }

  /** Reads leaves at their offsets and checks them on the worker thread. */
  private final class Source implements VerifiedReader.Source {
    private final Cid cid;
    private final FileChannel ch;

    Source(Cid cid, FileChannel ch) {
      this.cid = cid;
      this.ch = ch;
    }

    @Override
    public Future<Buffer> read(FileDag.Leaf leaf) {
      return workers.executeBlocking(() -> {
        byte[] bytes = new byte[leaf.length()];
        ByteBuffer target = ByteBuffer.wrap(bytes);
        while (target.hasRemaining()) {
          if (ch.read(target, leaf.offset() + target.position()) < 0) {
            break;
          }
        }
        return VerifiedReader.check(cid, leaf, BufferInternal.buffer(Unpooled.wrappedBuffer(bytes, 0, target.position())));
      }, false);
    }

    @Override
    public void close() {
      try {
        ch.close();
      } catch (IOException e) {
        LOG.log(Level.FINE, "closing an artifact file", e);
      }
    }
  }

  /** A read found the artifact corrupted: it is removed (and cache entries referring to it with it), never served. */
  private void corrupted(CorruptArtifactException c) {
    hooks.removeCorrupted(c, () -> workers.executeBlocking(() -> index.remove(c.cid()), false));
  }

  @Override
  public Future<Boolean> deleteClaims(Cid cid, String keyId, ArtifactDeletion.Reason reason) {
    return workers.executeBlocking(() -> index.removeClaims(cid, keyId), false).map(whole -> hooks.claimsDeleted(cid, keyId, reason, whole));
  }

  @Override
  public Future<Boolean> delete(Cid cid, ArtifactDeletion.Reason reason) {
    return workers.executeBlocking(() -> index.remove(cid), false).map(removed -> hooks.deleted(cid, reason, removed));
  }

  @Override
  public Future<List<Cid>> retain(long maxAgeMs, long maxBytes, long now) {
    return workers.executeBlocking(() -> index.retain(maxAgeMs, maxBytes, now), false).map(removed -> hooks.retained(removed, now));
  }

  @Override
  public Future<Long> totalBytes() {
    return Future.succeededFuture(index.totalBytes());
  }

  @Override
  public void onDeleted(Consumer<ArtifactDeletion> hook) {
    hooks.add(hook);
  }

  @Override
  public Future<Void> close() {
    return workers.executeBlocking(() -> {
      lock.release();
      lockChannel.close();
      return null;
    }, false).eventually(workers::close).mapEmpty();
  }
}
