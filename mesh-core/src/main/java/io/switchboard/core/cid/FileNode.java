package io.switchboard.core.cid;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A UnixFS file node above raw leaves: a dag-pb {@code PBNode} whose links point at its children and whose data is
 * a UnixFS {@code Data{Type: File, filesize, blocksizes}}. Encoded byte for byte as {@code ipfs add} and
 * {@code ipfs-unixfs-importer} write it: links first (field 2), each with its hash, an empty name and its
 * cumulative size; then the data (field 1); {@code blocksizes} not packed.
 *
 * @param links the children, in file order
 */
public record FileNode(List<Link> links) {

  /**
   * One child.
   *
   * @param cid       the child's CID (a raw leaf or another file node)
   * @param dagSize   {@code Tsize}: the bytes of the child's whole DAG (a leaf's length; a node's block plus its children's)
   * @param fileSize  the file bytes under the child (its entry in {@code blocksizes})
   */
  public record Link(Cid cid, long dagSize, long fileSize) {
  }

  private static final int UNIXFS_FILE = 2;

  public FileNode {
    links = List.copyOf(links);
  }

  /** The file bytes under this node. */
  public long fileSize() {
    long n = 0;
    for (Link l : links) {
      n += l.fileSize();
    }
    return n;
  }

  /** The dag-pb block. */
  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + links.size() * 48);
    for (Link l : links) {
      byte[] hash = l.cid().bytes();
      int linkLength = 1 + Varint.size(hash.length) + hash.length + 2 + 1 + Varint.size(l.dagSize());
      out.write(0x12);
      Varint.write(out, linkLength);
      out.write(0x0a);
      Varint.write(out, hash.length);
      out.writeBytes(hash);
      out.write(0x12); // Name: present and empty, as both reference implementations write it
      out.write(0x00);
      out.write(0x18);
      Varint.write(out, l.dagSize());
    }
    ByteArrayOutputStream data = new ByteArrayOutputStream(8 + links.size() * 4);
    data.write(0x08);
    data.write(UNIXFS_FILE);
    data.write(0x18);
    Varint.write(data, fileSize());
    for (Link l : links) {
      data.write(0x20);
      Varint.write(data, l.fileSize());
    }
    out.write(0x0a);
    Varint.write(out, data.size());
    out.writeBytes(data.toByteArray());
    return out.toByteArray();
  }

  /**
   * Reads a block this class (or the reference importer, with raw leaves) wrote. Throws
   * {@link IllegalArgumentException} on anything else: another UnixFS type, inline data, a link count that does not
   * match {@code blocksizes}.
   */
  public static FileNode decode(byte[] block) {
    Varint.Reader r = new Varint.Reader(block, 0, block.length);
    List<Cid> cids = new ArrayList<>();
    List<Long> dagSizes = new ArrayList<>();
    List<Long> fileSizes = new ArrayList<>();
    boolean sawData = false;
    while (r.hasMore()) {
      long key = r.read();
      long length = r.read();
      int start = r.skip(length);
      int end = start + (int) length;
      if (key == 0x12 && !sawData) {
        readLink(block, start, end, cids, dagSizes);
      } else if (key == 0x0a && !sawData) {
        sawData = true;
        readData(block, start, end, fileSizes);
      } else {
        throw new IllegalArgumentException("not a UnixFS file node: unexpected protobuf field " + (key >>> 3));
      }
    }
    if (!sawData) {
      throw new IllegalArgumentException("not a UnixFS file node: no Data");
    }
    if (fileSizes.size() != cids.size()) {
      throw new IllegalArgumentException("UnixFS node has " + cids.size() + " links but " + fileSizes.size() + " blocksizes");
    }
    List<Link> links = new ArrayList<>(cids.size());
    for (int i = 0; i < cids.size(); i++) {
      links.add(new Link(cids.get(i), dagSizes.get(i), fileSizes.get(i)));
    }
    return new FileNode(links);
  }

  private static void readLink(byte[] block, int start, int end, List<Cid> cids, List<Long> dagSizes) {
    Varint.Reader r = new Varint.Reader(block, start, end);
    Cid cid = null;
    long dagSize = -1;
    while (r.hasMore()) {
      long key = r.read();
      if (key == 0x0a || key == 0x12) {
        long length = r.read();
        int s = r.skip(length);
        if (key == 0x0a) {
          cid = Cid.fromBytes(block, s, s + (int) length);
        }
      } else if (key == 0x18) {
        dagSize = r.read();
      } else {
        throw new IllegalArgumentException("unexpected field in a dag-pb link");
      }
    }
    if (cid == null || dagSize < 0) {
      throw new IllegalArgumentException("dag-pb link without hash or size");
    }
    cids.add(cid);
    dagSizes.add(dagSize);
  }

  private static void readData(byte[] block, int start, int end, List<Long> fileSizes) {
    Varint.Reader r = new Varint.Reader(block, start, end);
    long type = -1;
    while (r.hasMore()) {
      long key = r.read();
      switch ((int) key) {
        case 0x08 -> type = r.read();
        case 0x18 -> r.read(); // filesize: the sum of blocksizes, checked by the reader against the leaves
        case 0x20 -> fileSizes.add(r.read());
        case 0x12 -> throw new IllegalArgumentException("UnixFS node with inline data (only raw leaves are supported)");
        default -> throw new IllegalArgumentException("unexpected UnixFS field " + (key >>> 3));
      }
    }
    if (type != UNIXFS_FILE) {
      throw new IllegalArgumentException("UnixFS node of type " + type + ", not a file");
    }
  }
}
