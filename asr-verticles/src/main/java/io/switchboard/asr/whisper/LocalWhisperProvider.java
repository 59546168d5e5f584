package io.switchboard.asr.whisper;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.Health;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.Backend;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.TypedProvider;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds {@link LocalWhisperBackend}s from {@code type: local-whisper} conf entries (keys in {@link WhisperSettings}).
 * A model file that is not installed stops the backend here, with the command that installs it as the reason.
 * Without {@code models}/{@code aliases} in conf the backend announces the models it loaded and
 * {@code whisper-1} as an alias of the first, so OpenAI SDK requests for {@code whisper-1} are served locally.
 */
public final class LocalWhisperProvider extends TypedProvider {

  public LocalWhisperProvider() {
    super(LocalWhisperBackend.TYPE);
  }

  @Override
  public Backend create(Vertx vertx, BackendConfig config) {
    WhisperSettings settings = WhisperSettings.fromConf(config);
    return new LocalWhisperBackend(vertx, descriptor(config, settings), settings);
  }

  static BackendDescriptor descriptor(BackendConfig config, WhisperSettings settings) {
    BackendDescriptor d = config.descriptor(LocalWhisperBackend.TYPE, Set.of(Capability.TRANSCRIBE), Privacy.LOCAL, settings.workers());
    List<String> models = d.models();
    if (models.isEmpty()) {
      models = new ArrayList<>();
      for (WhisperSettings.ModelRange r : settings.models()) {
        if (!models.contains(r.name())) {
          models.add(r.name());
        }
      }
    }
    Map<String, String> aliases = d.aliases();
    if (!config.json().containsKey("aliases")) {
      aliases = new LinkedHashMap<>();
      aliases.put("whisper-1", models.get(0));
    }
    // An English-only export (".en") says so, so the router sends other languages elsewhere instead of here.
    List<String> languages = d.languages().isEmpty() && models.get(0).endsWith(".en") ? List.of("en") : d.languages();
    return new BackendDescriptor(d.id(), d.instanceId(), d.type(), d.capabilities(), models, aliases, d.privacy(), d.priority(),
      d.prices(), d.concurrency(), Health.UP, false, languages);
  }
}
