package io.switchboard.core.http;

import io.switchboard.api.MeshException;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * Who an adapter talks to, as its errors need it: the backend id (the first word of every message), the protocol's
 * {@link ErrorDialect}, and the key every upstream text is redacted of.
 */
public record Upstream(String id, ErrorDialect dialect, String secret) {

  /** The mesh error for an HTTP error reply. */
  public MeshException fromStatus(int status, MultiMap headers, Buffer body) {
    return UpstreamErrors.fromStatus(dialect, id, status, headers, body, secret);
  }

  /** The mesh error for an error object met in a 200 or a stream. */
  public MeshException fromErrorObject(JsonObject json) {
    return UpstreamErrors.fromErrorObject(dialect, id, json, secret);
  }

  /** The mesh error for a call that failed before any response. */
  public MeshException fromTransport(Throwable t) {
    return UpstreamErrors.fromTransport(id, t);
  }

  /** Never print the key, not even in a debugger's view. */
  @Override
  public String toString() {
    return "Upstream[" + id + ", " + dialect + "]";
  }
}
