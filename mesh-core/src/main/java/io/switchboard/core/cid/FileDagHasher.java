package io.switchboard.core.cid;

import io.vertx.core.buffer.Buffer;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link CidHasher} that also keeps the DAG's nodes and leaf positions, so that whoever streamed the bytes can hand a
 * store the {@link FileDag} along with them and the store need not hash them again. Holds the node blocks (about 7 KB
 * per 174 chunks, i.e. per 45 MB) and one small record per 256 KiB leaf; never the payload.
 */
public final class FileDagHasher {

  private final List<FileDag.Node> nodes = new ArrayList<>();
  private final List<FileDag.Leaf> leaves = new ArrayList<>();
  private final CidHasher hasher = new CidHasher(new DagListener() {
    @Override
    public void leaf(Cid cid, long offset, int length) {
      leaves.add(new FileDag.Leaf(cid, offset, length));
    }

    @Override
    public void node(Cid cid, byte[] block) {
      nodes.add(new FileDag.Node(cid, block));
    }
  });
  private FileDag dag;

  public FileDagHasher update(Buffer data) {
    hasher.update(data);
    return this;
  }

  public FileDagHasher update(ByteBuffer data) {
    hasher.update(data);
    return this;
  }

  /** A whole leaf hashed elsewhere ({@link CidHasher#leaf}). */
  public FileDagHasher leaf(byte[] sha256, int size) {
    hasher.leaf(sha256, size);
    return this;
  }

  public long length() {
    return hasher.length();
  }

  /** Ends the file; later calls answer the same DAG. */
  public FileDag finish() {
    if (dag == null) {
      Cid root = hasher.finish();
      dag = new FileDag(root, hasher.length(), nodes, leaves);
    }
    return dag;
  }
}
