package io.switchboard.llm.runpod;

import io.switchboard.api.Capability;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.TypedProvider;

/**
 * Builds {@link RunPodBackend}s from conf entries of type {@code runpod-serverless}. Privacy defaults to
 * {@code private}: the endpoint runs the operator's own worker on infrastructure the operator rents.
 */
public final class RunPodProvider extends TypedProvider {

  public static final String TYPE = "runpod-serverless";

  public RunPodProvider() {
    super(TYPE, Capability.CHAT, Privacy.PRIVATE, 8,
      (vertx, conf, descriptor) -> new RunPodBackend(vertx, RunPodSettings.from(conf), descriptor));
  }
}
