package io.switchboard.api;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * Wire form of {@link MeshException} across the cluster: a length-prefixed JSON object
 * {@code {"code":"RATE_LIMITED","message":"...","param":null,"retry_after_ms":1000}}. Every node registers it
 * with {@link #register(Vertx)}; a receiver then sees the reply fail with the same {@code MeshException}.
 */
public final class MeshExceptionCodec extends JsonWireCodec<MeshException> {

  public static final String NAME = "switchboard.mesh-exception";

  public MeshExceptionCodec() {
    super(NAME);
  }

  /** Registers the codec as the default for {@link MeshException}; safe to call more than once per Vert.x. */
  public static void register(Vertx vertx) {
    registerOnce(vertx, MeshException.class, new MeshExceptionCodec());
  }

  @Override
  Buffer toJson(MeshException e) {
    return e.toWireJson().toBuffer();
  }

  @Override
  MeshException fromJson(Buffer json) {
    return MeshException.fromWireJson(new JsonObject(json));
  }
}
