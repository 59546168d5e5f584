package io.switchboard.core.artifact;

import io.switchboard.core.cid.Cid;
import io.switchboard.core.cid.FileDag;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;

/**
 * Reads an artifact piece by piece, each piece checked before it is given out: a corrupted chunk fails the read
 * before any of its bytes are served (earlier chunks were correct). One caller, one read at a time.
 */
public interface ArtifactReader {

  Cid cid();

  /** The artifact's DAG (checked when the reader opened). */
  FileDag dag();

  /** Bytes this reader gives out in all (the artifact's size; a CAR export's whole length). */
  long length();

  /** The next piece, or null after the last; fails on corruption or a storage error. */
  Future<Buffer> next();

  /** Releases the file or connection; safe to call twice. */
  void close();

  /**
   * Writes every piece to {@code out}, one at a time (each after the previous write completed), then ends it. On a
   * failure {@code out} is left open and the future fails: the caller must not end it as if complete (reset the
   * HTTP response), so a reader never mistakes a cut artifact for a whole one.
   */
  default Future<Void> pipeTo(WriteStream<Buffer> out) {
    return next().compose(piece -> piece == null ? out.end() : out.write(piece).compose(v -> pipeTo(out)))
      .onFailure(e -> close());
  }
}
