package io.switchboard.core.artifact;

import io.netty.buffer.ByteBuf;
import io.switchboard.core.cid.Cid;
import io.switchboard.core.cid.FileDag;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.function.Consumer;

/**
 * An {@link ArtifactReader} over any storage: asks the {@link Source} for one leaf at a time, which reads it and checks
 * it ({@link #check}) where the bytes land (a worker thread). A corrupted leaf is reported once to the store, which
 * removes the artifact, and fails the read with {@code INTERNAL}.
 */
public final class VerifiedReader implements ArtifactReader {

  /** Where the bytes are. */
  public interface Source {
    /** The leaf's bytes, already checked with {@link #check}. */
    Future<Buffer> read(FileDag.Leaf leaf);

    void close();
  }

  private final FileDag dag;
  private final Source source;
  private final Consumer<CorruptArtifactException> corrupted;
  private int next;
  private boolean closed;

  public VerifiedReader(FileDag dag, Source source, Consumer<CorruptArtifactException> corrupted) {
    this.dag = dag;
    this.source = source;
    this.corrupted = corrupted;
  }

  @Override
  public Cid cid() {
    return dag.root();
  }

  @Override
  public FileDag dag() {
    return dag;
  }

  @Override
  public long length() {
    return dag.size();
  }

  @Override
  public Future<Buffer> next() {
    if (closed) {
      return Future.failedFuture(new IllegalStateException("reader closed"));
    }
    if (next >= dag.leaves().size()) {
      close();
      return Future.succeededFuture(null);
    }
    FileDag.Leaf leaf = dag.leaves().get(next++);
    return source.read(leaf).recover(e -> {
      close();
      if (e instanceof CorruptArtifactException c) {
        corrupted.accept(c);
        return Future.failedFuture(c.toMeshException());
      }
      return Future.failedFuture(e);
    });
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      source.close();
    }
  }

  /** Checks that {@code bytes} are exactly {@code leaf} (read in place); throws {@link CorruptArtifactException} when not. */
  public static Buffer check(Cid artifact, FileDag.Leaf leaf, Buffer bytes) {
    if (bytes.length() != leaf.length()) {
      throw new CorruptArtifactException(artifact, "chunk at " + leaf.offset() + " has " + bytes.length() + " bytes, expected " + leaf.length());
    }
    MessageDigest sha = sha256();
    ByteBuf buf = ((BufferInternal) bytes).getByteBuf();
    for (ByteBuffer part : buf.nioBuffers()) {
      sha.update(part);
    }
    if (!leaf.cid().hasDigest(sha.digest())) {
      throw new CorruptArtifactException(artifact, "chunk at " + leaf.offset() + " does not hash to " + leaf.cid());
    }
    return bytes;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
