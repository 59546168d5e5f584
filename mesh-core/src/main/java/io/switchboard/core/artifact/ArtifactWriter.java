package io.switchboard.core.artifact;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

/**
 * Stores an artifact that arrives in pieces, hashing them as they are written. Write one piece after the other's
 * future completed (or at least not without bound: every pending piece is held until written).
 */
public interface ArtifactWriter {

  /** Writes the next piece; the buffer must not change afterwards. */
  Future<Void> write(Buffer piece);

  /** Ends the artifact: completes with its info (the CID is known now). */
  Future<ArtifactInfo> end();

  /** Gives up: nothing is stored. */
  void abort();
}
