package io.switchboard.artifact.postgres;

import io.switchboard.core.artifact.ArtifactInfo;
import io.switchboard.core.artifact.ArtifactWriter;
import io.switchboard.core.cid.FileDagHasher;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

/** A piece-by-piece write into PostgreSQL: each piece hashed as it passes (on the caller's thread) and uploaded. */
final class PgArtifactWriter implements ArtifactWriter {

  private final PgArtifactStore.Upload upload;
  private final FileDagHasher hasher = new FileDagHasher();
  private boolean ended;

  PgArtifactWriter(PgArtifactStore.Upload upload) {
    this.upload = upload;
  }

  @Override
  public Future<Void> write(Buffer piece) {
    if (ended) {
      return Future.failedFuture(new IllegalStateException("writer already ended"));
    }
    hasher.update(piece);
    return upload.write(piece);
  }

  @Override
  public Future<ArtifactInfo> end() {
    if (ended) {
      return Future.failedFuture(new IllegalStateException("writer already ended"));
    }
    ended = true;
    return upload.end(hasher.finish()).onFailure(e -> upload.abort());
  }

  @Override
  public void abort() {
    if (!ended) {
      ended = true;
      upload.abort();
    }
  }
}
