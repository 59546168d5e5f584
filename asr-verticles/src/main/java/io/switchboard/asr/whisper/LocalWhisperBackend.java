package io.switchboard.asr.whisper;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Health;
import io.switchboard.api.MeshException;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.core.audio.AudioDecoder;
import io.switchboard.core.audio.FfmpegDecoder;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.DescribedBackend;
import io.switchboard.core.backend.TranscriptionBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Speech-to-text on this host's CPU: Whisper ONNX models in ONNX Runtime (type {@code local-whisper}). The
 * sessions are loaded once at start and shared by a worker pool of {@code workers} threads; decoding, cutting
 * and inference all run there, never on an event loop. Requests are checked cheaply first (language, size)
 * so a bad request costs no worker time.
 *
 * <p>The graph takes no prompt, temperature or language token: {@code prompt} and {@code temperature} are
 * ignored, and a language outside conf {@code languages} (default {@code [en]}: tiny.en is English-only) is
 * refused with 400 so the caller is not handed an English guess at French audio.
 */
public final class LocalWhisperBackend extends DescribedBackend implements TranscriptionBackend {

  public static final String TYPE = "local-whisper";

  private final Vertx vertx;
  private final WhisperSettings settings;
  private final Map<String, WhisperSession> sessions = new ConcurrentHashMap<>();
  private WorkerExecutor workers;
  private volatile WhisperTranscriber transcriber;

  LocalWhisperBackend(Vertx vertx, BackendDescriptor descriptor, WhisperSettings settings) {
    super(descriptor);
    this.vertx = vertx;
    this.settings = settings;
  }

  @Override
  public Future<Void> start() {
    workers = vertx.createSharedWorkerExecutor("switchboard-whisper-" + descriptor().id(), settings.workers(), 60, TimeUnit.MINUTES);
    return workers.executeBlocking(() -> {
      for (WhisperSettings.ModelRange r : settings.models()) {
        if (!sessions.containsKey(r.name())) {
          sessions.put(r.name(), WhisperSession.open(r.name(), r.path(), settings.intraOpThreads(), settings.beams()));
        }
      }
      AudioDecoder decoder = new AudioDecoder(new FfmpegDecoder(settings.ffmpeg(), settings.ffmpegTimeoutMs()));
      transcriber = new WhisperTranscriber(decoder, settings, Map.copyOf(sessions), System::currentTimeMillis);
      return null;
    }).<Void>mapEmpty().recover(err -> {
      // A backend that failed to start is never stopped: give its threads and loaded sessions back now.
      WorkerExecutor pool = workers;
      workers = null;
      sessions.values().forEach(WhisperSession::close);
      sessions.clear();
      return pool.close().transform(v -> Future.failedFuture(err));
    });
  }

  @Override
  public Future<Void> stop() {
    if (workers == null) {
      return Future.succeededFuture();
    }
    return workers.close().eventually(() -> {
      sessions.values().forEach(WhisperSession::close);
      sessions.clear();
      return Future.succeededFuture();
    });
  }

  @Override
  public Future<Health> health() {
    for (WhisperSettings.ModelRange r : settings.models()) {
      if (!sessions.containsKey(r.name())) {
        return Future.succeededFuture(Health.down(java.nio.file.Files.isRegularFile(r.path())
          ? "model " + r.name() + " not loaded" : WhisperSettings.missingReason(r.name(), r.path())));
      }
    }
    return Future.succeededFuture(Health.UP);
  }

  @Override
  public Future<JsonObject> transcribe(TranscriptionRequest request, Buffer audio, CallContext context) {
    if (transcriber == null) {
      return Future.failedFuture(new MeshException(ErrorCode.UNAVAILABLE, descriptor().id() + " is not started"));
    }
    String language;
    try {
      language = checkLanguage(request.language());
      checkSize(audio);
    } catch (MeshException e) {
      return Future.failedFuture(e);
    }
    return workers.executeBlocking(() -> transcriber.transcribe(audio.getBytes(), request.contentType(), request.filename(),
      language, context.deadlineMs()), false);
  }

  /** The language to report, or 400 when the request asks for one the model does not transcribe. */
  private String checkLanguage(String requested) {
    List<String> languages = settings.languages();
    if (requested == null) {
      return languages.isEmpty() ? "en" : languages.get(0);
    }
    String code = requested.trim().toLowerCase(Locale.ROOT).split("[-_]")[0];
    if (code.equals("english")) {
      code = "en";
    }
    if (languages.contains(code)) {
      return code;
    }
    String model = settings.models().get(0).name().replaceFirst("^whisper-", "");
    String scope = languages.equals(List.of("en")) ? "English only" : "only " + String.join(", ", languages);
    throw new MeshException(ErrorCode.INVALID_REQUEST, TYPE + " (" + model + ") transcribes " + scope + "; language '"
      + requested + "' requested", "language");
  }

  private void checkSize(Buffer audio) {
    if (audio.length() > settings.maxBytes()) {
      throw new MeshException(ErrorCode.PAYLOAD_TOO_LARGE, "the audio file is " + audio.length() + " bytes, more than the "
        + settings.maxBytes() + " this backend accepts", "file");
    }
  }
}
