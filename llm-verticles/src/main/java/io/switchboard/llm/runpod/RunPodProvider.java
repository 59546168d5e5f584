package io.switchboard.llm.runpod;

import io.switchboard.api.Capability;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.Backend;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.TypedProvider;
import io.vertx.core.Vertx;

import java.util.Set;

/**
 * Builds {@link RunPodBackend}s from conf entries of type {@code runpod-serverless}. Privacy defaults to
 * {@code private}: the endpoint runs the operator's own worker on infrastructure the operator rents.
 */
public final class RunPodProvider extends TypedProvider {

  public static final String TYPE = "runpod-serverless";

  public RunPodProvider() {
    super(TYPE);
  }

  @Override
  public Backend create(Vertx vertx, BackendConfig config) {
    RunPodSettings settings = RunPodSettings.from(config);
    return new RunPodBackend(vertx, settings, config.descriptor(TYPE, Set.of(Capability.CHAT), Privacy.PRIVATE, 8));
  }
}
