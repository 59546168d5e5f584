package io.switchboard.llm.anthropic;

import io.switchboard.api.Capability;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.TypedProvider;

/**
 * Builds {@link AnthropicBackend}s from conf entries of type {@code anthropic}. Privacy defaults to {@code cloud};
 * an operator with a zero-data-retention agreement sets {@code privacy: zdr}. A missing key makes the backend
 * unavailable with the variable's name as the reason.
 */
public final class AnthropicProvider extends TypedProvider {

  public static final String TYPE = "anthropic";

  public AnthropicProvider() {
    super(TYPE, Capability.CHAT, Privacy.CLOUD, 16,
      (vertx, conf, descriptor) -> new AnthropicBackend(vertx, AnthropicSettings.from(conf), descriptor));
  }
}
