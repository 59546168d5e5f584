package io.switchboard.core.cid;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The DAG of a file whose bytes arrive in pieces that stay where they are once in (an upload gathered into blocks),
 * hashed while the rest arrives: each 256 KiB leaf is hashed on a {@link HashLane} thread in {@value #PIECE}-byte steps as its
 * bytes come in (one digest per leaf, the file's steps in order, one lane task at a time per file), so the receiving event
 * loop only hands over views of its bytes, and when the file ends at most one step of its last leaf is left to hash
 * ({@link #finish}, on the caller's thread: some 40 µs, where the whole last leaf of a 960 KB upload, 173 KB, took
 * 0.11 ms and more on a busy machine). {@link #finish} then puts the leaves' digests in order through a
 * {@link FileDagHasher}: the same CID and DAG as feeding the bytes to it. Nothing is copied; the views are read on the
 * workers. One instance per file, fed from one thread (an event loop, whose context runs the steps' hand-overs).
 */
public final class ConcurrentDagHasher {

  /** Bytes of a leaf handed to a worker at a time: what can be left to hash once the last byte is in. */
  static final int PIECE = 64 * 1024;

  private final Vertx vertx;
  private final Context context;
  private final List<Future<byte[]>> leaves = new ArrayList<>();
  private Leaf leaf;
  private long length;
  private Future<FileDag> dag;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  /** Steps queued and not yet hashed: 0 when every step handed over is in its leaf's digest. */
  private final AtomicInteger pending = new AtomicInteger();

  /**
   * @param vertx the leaves are hashed on {@link HashLane}'s threads and their digests complete on the context of
   *              {@code vertx} this is made on; null: every leaf is hashed on the caller's thread
   */
  public ConcurrentDagHasher(Vertx vertx) {
    this.vertx = vertx;
    this.context = vertx == null ? null : vertx.getOrCreateContext();
  }

  /**
   * Feeds the remaining bytes of {@code stable} (its position moves to its limit). They must neither change nor move
   * until {@link #finish} has completed: a worker reads them later.
   */
  public void update(ByteBuffer stable) {
    if (dag != null) {
      throw new IllegalStateException("finish() was called: this hasher is done");
    }
    while (stable.hasRemaining()) {
      if (leaf == null) {
        leaf = new Leaf();
      }
      int n = Math.min(stable.remaining(), CidHasher.CHUNK_SIZE - leaf.bytes);
      leaf.add(stable.slice(stable.position(), n));
      stable.position(stable.position() + n);
      length += n;
      if (leaf.bytes == CidHasher.CHUNK_SIZE) {
        leaves.add(leaf.digest(false));
        leaf = null;
      }
    }
  }

  public long length() {
    return length;
  }

  /** The bytes not yet handed to a worker: what {@link #finish} would hash on the caller's thread (less than a step). */
  int bytesNotHandedOver() {
    return leaf == null ? 0 : leaf.stepBytes;
  }

  /** True when every step handed to a worker so far is hashed (for tests: what {@link #finish} can find done). */
  boolean caughtUp() {
    return pending.get() == 0 && leaves.stream().allMatch(Future::isComplete);
  }

  /** Ends the file: its DAG once every leaf is hashed (on the caller's context). Later calls answer the same. */
  public Future<FileDag> finish() {
    if (dag == null) {
      int lastBytes = leaf == null ? 0 : leaf.bytes;
      Future<byte[]> last = leaf == null ? null : leaf.digest(true);
      leaf = null;
      List<Future<byte[]>> full = List.copyOf(leaves);
      List<Future<byte[]>> all = new ArrayList<>(full);
      if (last != null) {
        all.add(last);
      }
      dag = Future.all(all).map(done -> {
        FileDagHasher h = new FileDagHasher();
        for (Future<byte[]> f : full) {
          h.leaf(f.result(), CidHasher.CHUNK_SIZE);
        }
        if (last != null) {
          h.leaf(last.result(), lastBytes);
        }
        return h.finish(); // no leaf at all: the empty file's one empty leaf
      });
    }
    return dag;
  }

  /**
   * Runs {@code task} after every step handed over before it, of any leaf of this file: one lane task at a time takes
   * every step queued behind it, so a busy event loop never stands between two steps, a leaf's digest is only ever
   * touched by that one task, and a file wakes a lane thread only when its steps had all been hashed (the leaves side by
   * side on two threads woke one more each, with no gain in the time to a hit: docs/benchmarks.md). Without Vert.x:
   * here, at once.
   */
  private void run(Runnable task) {
    if (vertx == null) {
      task.run();
      return;
    }
    tasks.add(task);
    if (pending.getAndIncrement() == 0) {
      HashLane.execute(() -> {
        do {
          tasks.poll().run();
        } while (pending.decrementAndGet() != 0);
      });
    }
  }

  /** One leaf's digest, fed in steps that {@link #run} hashes in order. */
  private final class Leaf {
    private final MessageDigest sha = Cid.sha256();
    private final List<ByteBuffer> step = new ArrayList<>();
    private int stepBytes;
    private int bytes;

    void add(ByteBuffer view) {
      step.add(view);
      stepBytes += view.remaining();
      bytes += view.remaining();
      if (stepBytes >= PIECE) {
        List<ByteBuffer> piece = List.copyOf(step);
        step.clear();
        stepBytes = 0;
        run(() -> update(sha, piece));
      }
    }

    /**
     * The digest, on the hasher's context. The rest (less than a step) is hashed after the steps on the worker, except
     * for the file's {@code last} leaf when the workers have caught up (the usual case: they keep up with the bytes):
     * then here, at once, with no hop to a worker and back.
     */
    Future<byte[]> digest(boolean last) {
      List<ByteBuffer> rest = List.copyOf(step);
      if (vertx == null || last && pending.get() == 0) {
        update(sha, rest);
        return Future.succeededFuture(sha.digest());
      }
      Promise<byte[]> digest = Promise.promise();
      run(() -> {
        update(sha, rest);
        byte[] d = sha.digest();
        context.runOnContext(v -> digest.complete(d));
      });
      return digest.future();
    }
  }

  private static void update(MessageDigest sha, List<ByteBuffer> parts) {
    for (ByteBuffer p : parts) {
      sha.update(p.duplicate());
    }
  }
}
