package io.switchboard.llm.anthropic;

import io.switchboard.api.Capability;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.Backend;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendProvider;
import io.vertx.core.Vertx;

import java.util.Set;

/**
 * Builds {@link AnthropicBackend}s from conf entries of type {@code anthropic}. Privacy defaults to {@code cloud};
 * an operator with a zero-data-retention agreement sets {@code privacy: zdr}. A missing key makes the backend
 * unavailable with the variable's name as the reason.
 */
public final class AnthropicProvider implements BackendProvider {

  public static final String TYPE = "anthropic";

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public Backend create(Vertx vertx, BackendConfig config) {
    AnthropicSettings settings = AnthropicSettings.from(config);
    return new AnthropicBackend(vertx, settings, config.descriptor(TYPE, Set.of(Capability.CHAT), Privacy.CLOUD, 16));
  }
}
