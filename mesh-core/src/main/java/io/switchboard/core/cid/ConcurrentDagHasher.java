package io.switchboard.core.cid;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The DAG of a file whose bytes arrive in pieces that stay where they are once in (an upload gathered into blocks),
 * hashed while the rest arrives: each 256 KiB leaf is hashed on a {@link HashLane} thread in {@value #PIECE}-byte steps
 * as its bytes come in, so the receiving event loop only hands over views of its bytes. A leaf's steps run in order
 * (one digest per leaf); the leaves are independent of each other (only the root needs them in order), so different
 * leaves run side by side on the lane's threads: a file whose bytes arrive faster than one core hashes them (a 960 KB
 * upload over loopback in ~0.4 ms, its SHA-256 ~0.6 ms of one core) has its backlog spread over every core rather than
 * hashed as one chain after the last byte. When the file ends at most one step of its last leaf is left to hash on
 * the caller's thread ({@link #finish}) when the lane has caught up; then the leaves' digests go in order through a
 * {@link FileDagHasher}: the same CID and DAG as feeding the bytes to it. Nothing is copied; the views are read on the
 * lane. One instance per file, fed from one thread (an event loop).
 *
 * <p>The DAG completes on the thread that hashed the file's last leaf: the caller's within {@link #finish} when the
 * lane had caught up, else a lane thread. It is not brought back to the feeding context, because the one that needs it
 * is another (the web verticle receives the upload, its router keys the cache with the CID): a listener hops to its
 * own context (UploadDags does), so the DAG crosses one thread boundary, not two, after the last leaf is hashed.
 */
public final class ConcurrentDagHasher {

  /** Bytes of a leaf handed to the lane at a time: what can be left to hash once the last byte is in. */
  static final int PIECE = 64 * 1024;

  private final Vertx vertx;
  private final Executor lane;
  private final List<Leaf> leaves = new ArrayList<>();
  private Leaf leaf;
  private long length;
  private Future<FileDag> dag;
  private final Promise<FileDag> built = Promise.promise();
  /**
   * Leaves whose digest is not yet taken, plus one held until {@link #finish}: whoever brings it to 0 (finish, or the
   * lane thread that hashed the last leaf left) builds the DAG and completes it there.
   */
  private final AtomicInteger open = new AtomicInteger(1);

  /**
   * @param vertx the leaves are hashed on {@link HashLane}'s threads; null: every leaf is hashed on the caller's thread
   */
  public ConcurrentDagHasher(Vertx vertx) {
    this(vertx, HashLane::execute);
  }

  /** @param lane runs the leaves' steps (tests: to run them when and in the order they choose) */
  ConcurrentDagHasher(Vertx vertx, Executor lane) {
    this.vertx = vertx;
    this.lane = lane;
  }

  /**
   * Feeds the remaining bytes of {@code stable} (its position moves to its limit). They must neither change nor move
   * until {@link #finish} has completed: the lane reads them later.
   */
  public void update(ByteBuffer stable) {
    if (dag != null) {
      throw new IllegalStateException("finish() was called: this hasher is done");
    }
    while (stable.hasRemaining()) {
      if (leaf == null) {
        leaf = new Leaf();
        leaves.add(leaf);
        open.incrementAndGet();
      }
      int n = Math.min(stable.remaining(), CidHasher.CHUNK_SIZE - leaf.bytes);
      leaf.add(stable.slice(stable.position(), n));
      stable.position(stable.position() + n);
      length += n;
      if (leaf.bytes == CidHasher.CHUNK_SIZE) {
        leaf.close(false);
        leaf = null;
      }
    }
  }

  public long length() {
    return length;
  }

  /** The bytes not yet handed to the lane: what {@link #finish} would hash on the caller's thread (less than a step). */
  int bytesNotHandedOver() {
    return leaf == null ? 0 : leaf.stepBytes;
  }

  /** True when every step handed to the lane so far is hashed (for tests: what {@link #finish} can find done). */
  boolean caughtUp() {
    return leaves.stream().allMatch(l -> l.pending.get() == 0);
  }

  /**
   * Ends the file: its DAG once every leaf is hashed, completed on the thread that hashed the last one (see the class
   * comment: listen with a hop to your context). Later calls answer the same.
   */
  public Future<FileDag> finish() {
    if (dag == null) {
      if (leaf != null) {
        leaf.close(true);
        leaf = null;
      }
      dag = built.future();
      if (open.decrementAndGet() == 0) {
        built.complete(build());
      }
    }
    return dag;
  }

  /** The leaves' digests in order: every leaf is hashed. */
  private FileDag build() {
    FileDagHasher h = new FileDagHasher();
    for (Leaf l : leaves) {
      h.leaf(l.digest, l.bytes);
    }
    return h.finish(); // no leaf at all: the empty file's one empty leaf
  }

  /** A leaf's digest is in: the last of the file's after {@link #finish} builds the DAG, on this thread. */
  private void hashed() {
    if (open.decrementAndGet() == 0) {
      built.complete(build());
    }
  }

  /** One leaf's digest, fed in steps that run one after the other on the lane (other leaves' beside them). */
  private final class Leaf {
    private final MessageDigest sha = Cid.sha256();
    private final List<ByteBuffer> step = new ArrayList<>();
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Steps queued and not yet hashed: 0 when every step handed over is in the digest. */
    private final AtomicInteger pending = new AtomicInteger();
    private int stepBytes;
    private int bytes;
    /** Set before {@link #hashed}, read after the count it decrements reaches 0. */
    private byte[] digest;

    void add(ByteBuffer view) {
      step.add(view);
      stepBytes += view.remaining();
      bytes += view.remaining();
      if (stepBytes >= PIECE) {
        List<ByteBuffer> piece = takeStep();
        run(() -> update(sha, piece));
      }
    }

    /**
     * No more bytes: the rest (less than a step) is hashed after the steps on the lane, except for the file's
     * {@code last} leaf when the lane has caught up with it (the usual case for a file whose bytes arrive slower than
     * they are hashed): then here, at once, with no hop to the lane and back.
     */
    void close(boolean last) {
      List<ByteBuffer> rest = takeStep();
      if (vertx == null || last && pending.get() == 0) {
        update(sha, rest);
        digest = sha.digest();
        hashed();
        return;
      }
      run(() -> {
        update(sha, rest);
        digest = sha.digest();
        hashed();
      });
    }

    private List<ByteBuffer> takeStep() {
      List<ByteBuffer> piece = List.copyOf(step);
      step.clear();
      stepBytes = 0;
      return piece;
    }

    /**
     * Runs {@code task} after this leaf's steps handed over before it: one lane task at a time takes every step queued
     * behind it, so a busy event loop never stands between two steps and the digest is only ever touched by that one
     * task. Without Vert.x: here, at once.
     */
    private void run(Runnable task) {
      if (vertx == null) {
        task.run();
        return;
      }
      tasks.add(task);
      if (pending.getAndIncrement() == 0) {
        lane.execute(() -> {
          do {
            tasks.poll().run();
          } while (pending.decrementAndGet() != 0);
        });
      }
    }
  }

  private static void update(MessageDigest sha, List<ByteBuffer> parts) {
    for (ByteBuffer p : parts) {
      sha.update(p.duplicate());
    }
  }
}
