package io.switchboard.voice;

import io.switchboard.api.AudioCodec;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.core.models.NpmModel;
import io.switchboard.core.usage.KeyVerifier;
import io.switchboard.voice.auth.CallTokens;
import io.switchboard.voice.call.ApologyAudio;
import io.switchboard.voice.call.CallServices;
import io.switchboard.voice.call.MeshView;
import io.switchboard.voice.mode.CallModes;
import io.switchboard.voice.mode.ModeMetrics;
import io.switchboard.voice.mode.ModeSwitch;
import io.switchboard.voice.realtime.RealtimeSettings;
import io.switchboard.api.VoiceModes;
import io.switchboard.voice.metrics.VoiceMetrics;
import io.switchboard.voice.vad.SileroModel;
import io.switchboard.voice.vad.SileroModels;
import io.switchboard.voice.vad.VadPool;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Calls on this node. Wires only: reads the {@code voice} conf slice ({@link VoiceSettings}), loads Silero VAD (pulled
 * on first use, like Whisper), starts the VAD threads, builds the node's shared call services and the routes that
 * {@link VoiceWebMount} puts on the web port, and starts the {@link CallsReport} of open calls for the admin pages.
 * Secrets come in the slice's {@code env} object (the node copies the variables the slice names from its environment),
 * else from the process environment.
 */
public final class VoiceVerticle extends VerticleBase {

  private static final System.Logger LOG = System.getLogger(VoiceVerticle.class.getName());

  private SileroModel model;
  private VadPool vad;
  private CallRegistry registry;
  private VoiceRoutes routes;
  private VoiceSettings settings;
  private CallModes modes;
  private RealtimeRoutes realtimeRoutes;
  private KeyVerifier keys;
  private CallsReport report;

  @Override
  public Future<?> start() {
    MeshExceptionCodec.register(vertx);
    AudioCodec.register(vertx);
    try {
      settings = VoiceSettings.fromJson(config());
      ModeSwitch modeSwitch = new ModeSwitch(vertx, VoiceModes.fromJson(config(), VoiceModes.DEFAULT), Math::random);
      ModeMetrics.create().weights(modeSwitch);
      modes = new CallModes(modeSwitch, RealtimeSettings.fromJson(config()), ModeMetrics.create());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new IllegalArgumentException("voice: " + e.getMessage(), e));
    }
    Path dir = settings.modelsDir() != null ? Path.of(settings.modelsDir()) : NpmModel.defaultModelsDir();
    // Keys are checked as the web API checks them: looked up over the bus, hashed here, revocations heard at once.
    return modes.modes().start().compose(v -> KeyVerifier.overBus(vertx)).compose(k -> {
      keys = k;
      return vertx.executeBlocking(() -> SileroModel.load(modelFile(dir), 1));
    }).map(m -> {
      model = m;
      vad = new VadPool(m, settings.vadThreads(), settings.vadMaxBatch());
      registry = new CallRegistry(settings.maxCalls());
      VoiceMetrics metrics = VoiceMetrics.create(registry::active, vad);
      CallServices services = new CallServices(vertx, settings, vad, new MeshView(vertx, 2000), new ApologyAudio(), metrics);
      CallTokens tokens = new CallTokens(secret(settings.tokenSecretEnv()), settings.tokenTtlMs());
      TwimlWebhook twiml = new TwimlWebhook(secret(settings.twilioAuthTokenEnv()), settings.publicUrl(), secret(twilioKeyEnv()),
        settings.requireKeys(), tokens, keys);
      routes = new VoiceRoutes(services, registry, keys, tokens, twiml, modes);
      realtimeRoutes = new RealtimeRoutes(services, registry, keys, modes, RealtimeSettings.fromJson(config()), ModeMetrics.create());
      report = new CallsReport(vertx, registry, settings.maxCalls(),
        config().getString("node_name", System.getenv().getOrDefault("HOSTNAME", "switchboard")));
      report.start();
      LOG.log(System.Logger.Level.INFO, "voice calls on /v1/voice/twilio and /v1/voice/stream (up to {0} calls, VAD {1})",
        settings.maxCalls(), modelFile(dir));
      return null;
    });
  }

  /** The VAD model, pulled with npm when missing (first use); blocking. */
  private static Path modelFile(Path dir) {
    Path file = SileroModels.file(dir);
    if (!Files.isRegularFile(file)) {
      LOG.log(System.Logger.Level.INFO, "voice: {0} is missing; pulling it (./mesh models pull {1})", file, SileroModels.NAME);
      SileroModels.pull(dir, new PrintStream(System.out, true));
    }
    return file;
  }

  private String twilioKeyEnv() {
    return config().getJsonObject("twilio", new JsonObject()).getString("api_key_env");
  }

  /** The value of environment variable {@code name}: from the slice's {@code env} when the node gave one. */
  private String secret(String name) {
    if (name == null) {
      return null;
    }
    JsonObject env = config().getJsonObject("env");
    String v = env != null ? env.getString(name) : System.getenv(name);
    return v == null || v.isBlank() ? null : v;
  }

  void mount(Router router) {
    routes.mount(router);
    realtimeRoutes.mount(router);
  }

  boolean draining() {
    return registry != null && registry.draining();
  }

  /** Takes no new calls; completes when the open ones have ended or {@code voice.drain_timeout_ms} has passed. */
  Future<Void> drain() {
    return registry == null ? Future.succeededFuture() : registry.drain(vertx, settings.drainTimeoutMs());
  }

  @Override
  public Future<?> stop() {
    modes.modes().stop();
    if (report != null) {
      report.stop();
    }
    if (vad != null) {
      vad.close();
    }
    if (model != null) {
      model.close();
    }
    return keys == null ? Future.succeededFuture() : keys.close().otherwiseEmpty();
  }
}
