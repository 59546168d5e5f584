package io.switchboard.core.artifact;

import io.switchboard.core.cid.Car;
import io.switchboard.core.cid.Cid;
import io.switchboard.core.cid.FileDag;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

/**
 * An artifact as a CARv1 file, streamed from its store: the header naming the artifact's CID as the root, the DAG's
 * file nodes, then each raw leaf as it is read and checked. {@code ipfs dag import} takes it whole; its length is
 * known before the first byte (for a {@code Content-Length}).
 */
public final class ArtifactCar implements ArtifactReader {

  private final ArtifactReader content;
  private final long length;
  private int leaf = -1;
  private Buffer pendingData;

  private ArtifactCar(ArtifactReader content) {
    this.content = content;
    FileDag dag = content.dag();
    long n = Car.header(dag.root()).length();
    for (FileDag.Node node : dag.nodes()) {
      n += Car.section(node.cid(), node.block()).length();
    }
    for (FileDag.Leaf l : dag.leaves()) {
      n += Car.sectionHead(l.cid(), l.length()).length() + l.length();
    }
    this.length = n;
  }

  /** The CAR export of what {@code content} reads. */
  public static ArtifactCar of(ArtifactReader content) {
    return new ArtifactCar(content);
  }

  @Override
  public Cid cid() {
    return content.cid();
  }

  @Override
  public FileDag dag() {
    return content.dag();
  }

  @Override
  public long length() {
    return length;
  }

  /** First the header and every node (a few KB); then, per leaf, its section head and then its checked bytes. */
  @Override
  public Future<Buffer> next() {
    FileDag dag = content.dag();
    if (leaf < 0) {
      leaf = 0;
      Buffer head = Car.header(dag.root());
      for (FileDag.Node node : dag.nodes()) {
        head.appendBuffer(Car.section(node.cid(), node.block()));
      }
      return Future.succeededFuture(head);
    }
    if (pendingData != null) {
      Buffer data = pendingData;
      pendingData = null;
      return Future.succeededFuture(data);
    }
    if (leaf >= dag.leaves().size()) {
      return content.next(); // null: the content is at its end too
    }
    FileDag.Leaf l = dag.leaves().get(leaf++);
    // The section head goes out only once the leaf's bytes are read and checked.
    return content.next().map(data -> {
      pendingData = data;
      return Car.sectionHead(l.cid(), l.length());
    });
  }

  @Override
  public void close() {
    content.close();
  }
}
