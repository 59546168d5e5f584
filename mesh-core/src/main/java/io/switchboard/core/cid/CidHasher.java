package io.switchboard.core.cid;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Computes a file's CIDv1 as {@code ipfs add --cid-version 1} does, while the bytes pass: UnixFS, fixed chunks of
 * 256 KiB as raw leaves, a balanced DAG of at most 174 links per node, and a file of one chunk (or none) named by its
 * raw leaf. Fed in any split of buffers, it gives the same CID; it never keeps the payload: each leaf is hashed as
 * its bytes arrive, and what it holds is the links still waiting for a parent (at most 173 per level of the tree).
 *
 * <p>The tree is built level by level the way the reference importer batches it: every 174 links of one level become
 * a node of the level above as soon as they are complete; at the end, each level's remainder becomes a node, until a
 * level holds a single entry, which is the root. One instance per file; not thread-safe.
 */
public final class CidHasher {

  /** Bytes per leaf (the {@code size-262144} chunker). */
  public static final int CHUNK_SIZE = 262_144;
  /** Links per node of the balanced layout (Kubo's {@code DefaultLinksPerBlock}, the importer's default). */
  public static final int MAX_LINKS = 174;

  private final MessageDigest leafDigest = Cid.sha256();
  private final DagListener listener;
  private final List<List<FileNode.Link>> levels = new ArrayList<>();
  private int inLeaf;
  /** A leaf shorter than a chunk came through {@link #leaf}: it is the file's last. */
  private boolean lastLeafIn;
  private long length;
  private long leaves;
  private Cid root;

  public CidHasher() {
    this(DagListener.NONE);
  }

  public CidHasher(DagListener listener) {
    this.listener = listener;
  }

  /** The CID of {@code data} in one call. */
  public static Cid of(byte[] data) {
    CidHasher h = new CidHasher();
    h.update(data, 0, data.length);
    return h.finish();
  }

  /** The CID of {@code data} in one call (the buffer is read in place, not copied). */
  public static Cid of(Buffer data) {
    CidHasher h = new CidHasher();
    h.update(data);
    return h.finish();
  }

  /** Bytes fed so far. */
  public long length() {
    return length;
  }

  /** Feeds a buffer; its bytes are read where they are (a composite buffer part by part), never copied. */
  public CidHasher update(Buffer data) {
    if (data instanceof BufferInternal internal) {
      ByteBuf buf = internal.getByteBuf();
      if (buf.nioBufferCount() == 1) {
        update(buf.nioBuffer());
      } else {
        for (ByteBuffer part : buf.nioBuffers()) {
          update(part);
        }
      }
    } else {
      byte[] bytes = data.getBytes();
      update(bytes, 0, bytes.length);
    }
    return this;
  }

  public CidHasher update(byte[] data, int offset, int count) {
    return update(ByteBuffer.wrap(data, offset, count));
  }

  /** Feeds the remaining bytes of {@code data} (its position moves to its limit). */
  public CidHasher update(ByteBuffer data) {
    if (root != null || lastLeafIn) {
      throw new IllegalStateException("finish() was called, or the last leaf came: this hasher is done");
    }
    while (data.hasRemaining()) {
      int n = Math.min(data.remaining(), CHUNK_SIZE - inLeaf);
      ByteBuffer part = data.slice(data.position(), n);
      leafDigest.update(part);
      data.position(data.position() + n);
      inLeaf += n;
      length += n;
      if (inLeaf == CHUNK_SIZE) {
        closeLeaf();
      }
    }
    return this;
  }

  /**
   * Feeds a whole leaf whose SHA-256 was computed elsewhere (on another thread, while later bytes arrived), as if its
   * {@code size} bytes had been fed: the same CID results. Only between leaves; every leaf but the file's last is
   * {@value #CHUNK_SIZE} bytes, and after a shorter one only {@link #finish} may come.
   */
  public CidHasher leaf(byte[] sha256, int size) {
    if (root != null || lastLeafIn || inLeaf != 0 || size <= 0 || size > CHUNK_SIZE) {
      throw new IllegalStateException("a leaf of " + size + " bytes cannot come after " + length + " bytes");
    }
    length += size;
    addLeaf(Cid.fromDigest(Cid.RAW, sha256), size);
    lastLeafIn = size < CHUNK_SIZE;
    return this;
  }

  /** Ends the file and answers its CID; later calls answer the same CID. */
  public Cid finish() {
    if (root != null) {
      return root;
    }
    if (inLeaf > 0 || leaves == 0) {
      closeLeaf(); // the last, shorter chunk; or the one empty chunk of an empty file
    }
    if (leaves == 1) {
      root = levels.get(0).get(0).cid();
      return root;
    }
    for (int level = 0; ; level++) {
      List<FileNode.Link> pending = levels.get(level);
      boolean top = levels.size() == level + 1;
      if (top && pending.size() == 1) {
        root = pending.get(0).cid();
        return root;
      }
      if (!pending.isEmpty()) {
        reduce(level);
      }
    }
  }

  private void closeLeaf() {
    addLeaf(Cid.fromDigest(Cid.RAW, leafDigest.digest()), inLeaf);
    inLeaf = 0;
  }

  /** The leaf that ends at {@link #length}. */
  private void addLeaf(Cid cid, int size) {
    listener.leaf(cid, length - size, size);
    push(0, new FileNode.Link(cid, size, size));
    leaves++;
  }

  private void push(int level, FileNode.Link link) {
    if (levels.size() == level) {
      levels.add(new ArrayList<>()); // grows to MAX_LINKS only for a file that needs it (most are one leaf)
    }
    List<FileNode.Link> pending = levels.get(level);
    pending.add(link);
    if (pending.size() == MAX_LINKS) {
      reduce(level);
    }
  }

  /** Turns the pending links of {@code level} into one node of the level above. */
  private void reduce(int level) {
    List<FileNode.Link> pending = levels.get(level);
    FileNode node = new FileNode(pending);
    pending.clear();
    byte[] block = node.encode();
    Cid cid = Cid.of(Cid.DAG_PB, block);
    listener.node(cid, block);
    long dagSize = block.length;
    for (FileNode.Link l : node.links()) {
      dagSize += l.dagSize();
    }
    push(level + 1, new FileNode.Link(cid, dagSize, node.fileSize()));
  }
}
