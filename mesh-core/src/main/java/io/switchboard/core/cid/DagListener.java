package io.switchboard.core.cid;

/**
 * Hears the blocks of a UnixFS DAG as a {@link CidHasher} builds it: every raw leaf (where its bytes lie in the
 * file) and every node above them (its block, to keep or to export). Nodes come after all their children.
 */
public interface DagListener {

  DagListener NONE = new DagListener() {
  };

  /** A raw leaf: the file bytes {@code [offset, offset + length)}. */
  default void leaf(Cid cid, long offset, int length) {
  }

  /** A file node above leaves or other nodes. */
  default void node(Cid cid, byte[] block) {
  }
}
