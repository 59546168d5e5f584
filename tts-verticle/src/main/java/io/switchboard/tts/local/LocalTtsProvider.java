package io.switchboard.tts.local;

import io.switchboard.core.backend.Backend;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.TypedProvider;
import io.switchboard.core.backend.BackendUnavailableException;
import io.vertx.core.Vertx;

import java.nio.file.Path;

/**
 * Builds {@code local-tts} backends ({@link LocalTtsBackend}). The engine's executable must be there: a machine
 * without it gets no backend, and the reason says what to install. ffmpeg is optional; without it only wav, pcm
 * and ulaw are served.
 */
public final class LocalTtsProvider extends TypedProvider {

  public static final String TYPE = "local-tts";

  public LocalTtsProvider() {
    super(TYPE);
  }

  @Override
  public Backend create(Vertx vertx, BackendConfig config) {
    LocalTtsOptions options = LocalTtsOptions.fromJson(config.json());
    String pathEnv = config.env("PATH") != null ? config.env("PATH") : System.getenv("PATH");
    Path binary = Executables.resolve(options.enginePath(), pathEnv);
    boolean flite = options.engine().equals(LocalTtsOptions.FLITE);
    if (binary == null) {
      String hint = TtsEngine.installHint(options.engine());
      throw new BackendUnavailableException(LocalTtsBackend.notInstalled(options.engine(), hint, options.enginePath()));
    }
    TtsEngine engine = flite ? new FliteEngine(binary) : new EspeakNgEngine(binary);
    return new LocalTtsBackend(vertx, config, options, engine, Executables.resolve(options.ffmpegPath(), pathEnv));
  }
}
