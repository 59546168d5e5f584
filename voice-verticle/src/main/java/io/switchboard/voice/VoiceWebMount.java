package io.switchboard.voice;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.web.WebMount;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * Puts calls on the node's web port (found by {@link java.util.ServiceLoader}; the node hands it the {@code voice}
 * conf section). Deploys the {@link VoiceVerticle}; when that cannot start (the VAD model cannot be installed
 * offline, a bad setting) the voice endpoints answer 503 with the reason and the rest of the node serves on, unless
 * the section says {@code required: true} (a voice-only node): then the node is not ready.
 */
public final class VoiceWebMount implements WebMount {

  private static final System.Logger LOG = System.getLogger(VoiceWebMount.class.getName());

  private VoiceVerticle verticle;
  private boolean required;
  private volatile boolean failed;

  @Override
  public String configKey() {
    return "voice";
  }

  @Override
  public Future<Void> mount(Vertx vertx, Router router, JsonObject config) {
    required = config.getBoolean("required", false);
    if (!config.getBoolean("enabled", true)) {
      return Future.succeededFuture();
    }
    VoiceVerticle v = new VoiceVerticle();
    return vertx.deployVerticle(v, new DeploymentOptions().setConfig(config)).<Void>map(id -> {
      verticle = v;
      v.mount(router);
      return null;
    }).recover(e -> {
      failed = true;
      String reason = "voice calls are off on this node: " + e.getMessage();
      LOG.log(System.Logger.Level.ERROR, reason);
      router.route("/v1/voice/*").handler(ctx -> HttpReplies.error(ctx, new MeshException(ErrorCode.UNAVAILABLE, reason)));
      return Future.succeededFuture();
    });
  }

  @Override
  public boolean ready() {
    return !(failed && required) && (verticle == null || !verticle.draining());
  }

  @Override
  public Future<Void> drain() {
    return verticle == null ? Future.succeededFuture() : verticle.drain();
  }
}
