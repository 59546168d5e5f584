package io.switchboard.tts.local;

import io.switchboard.api.AudioOutputs;
import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Health;
import io.switchboard.api.MeshException;
import io.switchboard.api.Prices;
import io.switchboard.api.Privacy;
import io.switchboard.api.SpeechRequest;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.DescribedBackend;
import io.switchboard.core.backend.SpeechBackend;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Text to speech on this host's CPU with flite or espeak-ng, run as processes on a worker pool of conf
 * {@code workers} threads. Voices are the engine's own, discovered at start; OpenAI voice names map onto them.
 * Speech streams sentence by sentence in wav, pcm, ulaw, or (with ffmpeg) mp3, opus, aac and flac, at any rate
 * from 8 to 48 kHz. Announces the engine as its model with {@code tts-1}/{@code tts-1-hd} as aliases, so
 * requests written for OpenAI can be served here, at no cost and with privacy class {@code local}.
 */
public final class LocalTtsBackend extends DescribedBackend implements SpeechBackend {

  private static final System.Logger LOG = System.getLogger(LocalTtsBackend.class.getName());
  private static final long DISCOVERY_TIMEOUT_MS = 10_000;

  private final Vertx vertx;
  private final LocalTtsOptions options;
  private final TtsEngine engine;
  private final Path ffmpeg;
  private WorkerExecutor workers;
  private volatile VoiceSelector voices;

  /** {@code ffmpeg} null: the compressed formats answer 415. */
  LocalTtsBackend(Vertx vertx, BackendConfig config, LocalTtsOptions options, TtsEngine engine, Path ffmpeg) {
    super(describe(config, options, engine.name()).withOutputs(outputs(ffmpeg != null)));
    this.vertx = vertx;
    this.options = options;
    this.engine = engine;
    this.ffmpeg = ffmpeg;
  }

  private static BackendDescriptor describe(BackendConfig config, LocalTtsOptions options, String engine) {
    List<String> models = config.models().isEmpty() ? List.of(engine) : config.models();
    Map<String, String> aliases = config.aliases().isEmpty() ? Map.of("tts-1", engine, "tts-1-hd", engine) : config.aliases();
    Map<String, Prices> prices = BackendDescriptor.pricesFromJson(config.json().getJsonObject("prices"));
    return new BackendDescriptor(config.id(), config.id(), LocalTtsProvider.TYPE, Set.of(Capability.SPEECH), models, aliases,
      config.privacy(Privacy.LOCAL), config.priority(), prices.isEmpty() ? Map.of("*", Prices.FREE) : prices,
      config.concurrency(options.workers()), Health.UP, false);
  }

  /** wav, pcm and mu-law at any rate (written and resampled here); the compressed forms only with an encoder (ffmpeg). */
  static AudioOutputs outputs(boolean encoder) {
    AudioOutputs out = AudioOutputs.UNDECLARED;
    for (OutputFormat f : OutputFormat.values()) {
      if (!f.needsFfmpeg() || encoder) {
        out = out.with(f.wireName());
      }
    }
    return out;
  }

  /** The reason a missing engine gives, e.g. {@code flite not installed: apt-get install flite}. */
  static String notInstalled(String engine, String hint, String path) {
    return engine + " not installed: " + hint + " (looked for '" + path + "')";
  }

  @Override
  public Future<Void> start() {
    workers = vertx.createSharedWorkerExecutor("local-tts-" + descriptor().id(), options.workers(),
      options.timeoutMs() + DISCOVERY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    return workers.executeBlocking(() -> new VoiceSelector(engine, engine.discoverVoices(DISCOVERY_TIMEOUT_MS), options.voice(),
      VoiceSelector.merge(engine.defaultVoiceMap(), options.voiceMap())), false)
      .onSuccess(selector -> {
        voices = selector;
        LOG.log(System.Logger.Level.INFO, "{0}: {1} with {2} voices (default {3}), {4} workers, ffmpeg {5}", descriptor().id(),
          engine.name(), selector.voices().size(), selector.defaultVoice(), options.workers(), ffmpeg == null ? "absent" : ffmpeg);
      })
      .mapEmpty();
  }

  @Override
  public Future<Void> stop() {
    return workers == null ? Future.succeededFuture() : workers.close();
  }

  @Override
  public Future<Health> health() {
    return vertx.executeBlocking(() -> Executables.isExecutable(engine.binary()) ? Health.UP
      : Health.down(notInstalled(engine.name(), engine.installHint(), engine.binary().toString())), false);
  }

  /** The engine's voices as discovered at start (empty before). */
  public List<String> voices() {
    VoiceSelector v = voices;
    return v == null ? List.of() : v.voices();
  }

  @Override
  public String contentType(SpeechRequest request) {
    return OutputFormat.of(request.responseFormat()).contentType();
  }

  /**
   * Starts rendering on the workers and returns the pipe the audio arrives in; a request that cannot be served
   * fails the pipe before any audio. Call on a Vert.x context: the pipe is driven from it.
   */
  @Override
  public ChunkPipe<Buffer> speak(SpeechRequest request, CallContext context) {
    ChunkPipe<Buffer> pipe = new ChunkPipe<>();
    SpeechPlan plan;
    try {
      plan = plan(request);
    } catch (MeshException e) {
      pipe.fail(e);
      return pipe;
    }
    Context ctx = vertx.getOrCreateContext();
    Cancellation cancellation = new Cancellation();
    Consumer<Buffer> sink = audio -> ctx.runOnContext(v -> pipe.write(audio));
    AudioEncoder encoder = plan.format().needsFfmpeg()
      ? new FfmpegEncoder(ffmpeg, plan.format(), plan.rate(), sink, cancellation)
      : new RawEncoder(plan.format(), plan.rate(), sink);
    new SpeechSession(workers, engine, plan, encoder, pipe, cancellation, options.timeoutMs(), context).start();
    return pipe;
  }

  /** Checks the request against this backend and turns it into sentences, voice, format and rate. */
  SpeechPlan plan(SpeechRequest request) {
    VoiceSelector selector = voices;
    if (selector == null) {
      throw new MeshException(ErrorCode.UNAVAILABLE, descriptor().id() + " is not started");
    }
    String input = request.input();
    if (input == null || input.isBlank()) {
      throw MeshException.invalid("input", "'input' is required and must not be blank");
    }
    int characters = input.codePointCount(0, input.length());
    if (characters > options.maxChars()) {
      throw new MeshException(ErrorCode.PAYLOAD_TOO_LARGE, "'input' has " + characters + " characters; " + descriptor().id()
        + " speaks at most " + options.maxChars() + " per request (conf max_chars)", "input");
    }
    if (request.model() != null && descriptor().resolveModel(request.model()) == null) {
      throw new MeshException(ErrorCode.MODEL_NOT_FOUND, "model '" + request.model() + "' is not served by " + descriptor().id()
        + " (models: " + String.join(", ", descriptor().models()) + "; aliases: " + String.join(", ", descriptor().aliases().keySet()) + ")",
        "model");
    }
    OutputFormat format = OutputFormat.of(request.responseFormat());
    if (format.needsFfmpeg() && ffmpeg == null) {
      throw new MeshException(ErrorCode.UNSUPPORTED_MEDIA, "response_format '" + format.wireName() + "' needs ffmpeg, which is not "
        + "installed here (apt-get install ffmpeg, or set ffmpeg_path); wav, pcm and ulaw work without it", "response_format");
    }
    String voice = selector.select(request.voice());
    List<String> sentences = SentenceSplitter.split(input, options.maxSentenceChars());
    if (sentences.isEmpty()) {
      throw MeshException.invalid("input", "'input' has nothing to speak: no letters or digits");
    }
    double speed = request.speed() == null ? 1.0 : request.speed();
    return new SpeechPlan(sentences, voice, speed, format, format.rate(request.sampleRate()), characters);
  }
}
