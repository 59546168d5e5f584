package io.switchboard.core.cid;

import io.vertx.core.buffer.Buffer;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The UnixFS DAG of one file without its bytes: the root, the file nodes above the leaves (their blocks, a few KB
 * for a 25 MB file) and where each raw leaf lies in the file. A store keeps the nodes beside the bytes so that a read
 * can check every chunk against its leaf CID before it is served, and a CAR export can list every block.
 *
 * @param root   the file's CID
 * @param size   the file's length in bytes
 * @param nodes  the file nodes, each after its children (empty when the root is a raw leaf)
 * @param leaves the raw leaves in file order
 */
public record FileDag(Cid root, long size, List<Node> nodes, List<Leaf> leaves) {

  /** A file node and its dag-pb block. */
  public record Node(Cid cid, byte[] block) {
  }

  /** A raw leaf: the file bytes {@code [offset, offset + length)}. */
  public record Leaf(Cid cid, long offset, int length) {
  }

  public FileDag {
    nodes = List.copyOf(nodes);
    leaves = List.copyOf(leaves);
  }

  /** The DAG of {@code data}, read in place. */
  public static FileDag of(Buffer data) {
    return new FileDagHasher().update(data).finish();
  }

  /** The node blocks packed for storage: each as {@code varint(length) block}. Empty for a one-chunk file. */
  public byte[] packNodes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Node n : nodes) {
      Varint.write(out, n.block().length);
      out.writeBytes(n.block());
    }
    return out.toByteArray();
  }

  /**
   * Rebuilds and checks a stored DAG: every packed block must hash to a CID the tree reaches from {@code root}, and
   * the leaves must add up to {@code size}. Throws {@link IllegalArgumentException} saying what is wrong (a store
   * treats that as corruption). Leaf bytes are checked later, chunk by chunk, as they are read.
   */
  public static FileDag verify(Cid root, long size, byte[] packedNodes) {
    Map<Cid, byte[]> blocks = new HashMap<>();
    Varint.Reader r = new Varint.Reader(packedNodes, 0, packedNodes.length);
    while (r.hasMore()) {
      long length = r.read();
      int start = r.skip(length);
      byte[] block = java.util.Arrays.copyOfRange(packedNodes, start, start + (int) length);
      blocks.put(Cid.of(Cid.DAG_PB, block), block);
    }
    List<Node> nodes = new ArrayList<>();
    List<Leaf> leaves = new ArrayList<>();
    if (root.codec() == Cid.RAW) {
      if (!blocks.isEmpty() || size > CidHasher.CHUNK_SIZE) {
        throw new IllegalArgumentException("a raw root names one chunk, but the artifact has " + size + " bytes and "
          + blocks.size() + " nodes");
      }
      leaves.add(new Leaf(root, 0, (int) size));
      return new FileDag(root, size, nodes, leaves);
    }
    Set<Cid> used = new HashSet<>();
    long end = walk(root, blocks, used, nodes, leaves, 0);
    if (end != size) {
      throw new IllegalArgumentException("the DAG covers " + end + " bytes, the artifact has " + size);
    }
    if (used.size() != blocks.size()) {
      throw new IllegalArgumentException((blocks.size() - used.size()) + " stored nodes are not part of the DAG");
    }
    return new FileDag(root, size, nodes, leaves);
  }

  private static long walk(Cid cid, Map<Cid, byte[]> blocks, Set<Cid> used, List<Node> nodes, List<Leaf> leaves, long offset) {
    byte[] block = blocks.get(cid);
    if (block == null) {
      throw new IllegalArgumentException("node " + cid + " is missing or does not match its CID");
    }
    used.add(cid);
    FileNode node = FileNode.decode(block);
    for (FileNode.Link l : node.links()) {
      if (l.cid().codec() == Cid.RAW) {
        if (l.dagSize() != l.fileSize() || l.fileSize() <= 0 || l.fileSize() > CidHasher.CHUNK_SIZE) {
          throw new IllegalArgumentException("leaf " + l.cid() + " has inconsistent sizes");
        }
        leaves.add(new Leaf(l.cid(), offset, (int) l.fileSize()));
        offset += l.fileSize();
      } else {
        long end = walk(l.cid(), blocks, used, nodes, leaves, offset);
        if (end - offset != l.fileSize()) {
          throw new IllegalArgumentException("node " + l.cid() + " covers " + (end - offset) + " bytes, its link says " + l.fileSize());
        }
        offset = end;
      }
    }
    nodes.add(new Node(cid, block));
    return offset;
  }
}
