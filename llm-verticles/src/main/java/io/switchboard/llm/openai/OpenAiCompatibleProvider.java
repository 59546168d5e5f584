package io.switchboard.llm.openai;

import io.switchboard.core.backend.Backend;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.TypedProvider;
import io.vertx.core.Vertx;

/**
 * Builds {@link OpenAiCompatibleBackend}s from conf entries of type {@code openai-compatible}: one adapter, many
 * configured instances (OpenAI, OpenRouter, RunPod, Hugging Face, Gemini, a workstation).
 */
public final class OpenAiCompatibleProvider extends TypedProvider {

  public OpenAiCompatibleProvider() {
    super(OpenAiSettings.TYPE);
  }

  @Override
  public Backend create(Vertx vertx, BackendConfig config) {
    return new OpenAiCompatibleBackend(vertx, OpenAiSettings.from(config));
  }
}
