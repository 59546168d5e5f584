package io.switchboard.llm.anthropic;

import io.switchboard.api.Capability;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.Backend;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.TypedProvider;
import io.vertx.core.Vertx;

import java.util.Set;

/**
 * Builds {@link AnthropicBackend}s from conf entries of type {@code anthropic}. Privacy defaults to {@code cloud};
 * an operator with a zero-data-retention agreement sets {@code privacy: zdr}. A missing key makes the backend
 * unavailable with the variable's name as the reason.
 */
public final class AnthropicProvider extends TypedProvider {

  public static final String TYPE = "anthropic";

  public AnthropicProvider() {
    super(TYPE);
  }

  @Override
  public Backend create(Vertx vertx, BackendConfig config) {
    AnthropicSettings settings = AnthropicSettings.from(config);
    return new AnthropicBackend(vertx, settings, config.descriptor(TYPE, Set.of(Capability.CHAT), Privacy.CLOUD, 16));
  }
}
