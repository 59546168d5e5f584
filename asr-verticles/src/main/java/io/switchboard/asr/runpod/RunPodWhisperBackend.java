package io.switchboard.asr.runpod;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.asr.Transcripts;
import io.switchboard.asr.Uploads;
import io.switchboard.core.audio.AudioProbe;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.DescribedBackend;
import io.switchboard.core.backend.TranscriptionBackend;
import io.switchboard.core.config.Secrets;
import io.switchboard.core.http.Base64Audio;
import io.switchboard.core.runpod.RunPodClient;
import io.switchboard.core.runpod.RunPodJob;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * RunPod's faster-whisper worker ({@code runpod-workers/worker-faster_whisper}) on a serverless endpoint the
 * operator runs. The job input is {@code {"audio_base64", "model", "transcription": "plain_text", "language",
 * "initial_prompt", "temperature", "word_timestamps": false, "enable_vad"}}; the output's {@code segments},
 * {@code transcription} and {@code detected_language} become the verbose transcript. Short audio goes through
 * {@code /runsync}; audio longer than {@code async_above_seconds} (or larger than {@code async_above_bytes}) through
 * {@code /run} and status polling, unless its payload is over {@code /run}'s 10 MB limit (then {@code /runsync},
 * whose limit is 20 MB; above that the request is refused here). {@code timeouts.total_ms}, when set, bounds the job as
 * a whole (queue, run and polls), so that a job still queued then is cancelled and another backend can answer in time.
 */
public final class RunPodWhisperBackend extends DescribedBackend implements TranscriptionBackend {

  public static final String TYPE = "runpod-whisper";

  /** RunPod's documented request size limits. */
  static final long RUN_LIMIT = 10L * 1000 * 1000;
  static final long RUNSYNC_LIMIT = 20L * 1000 * 1000;
  /** The most audio whose base64 (a third larger) and the JSON around it fit {@code /runsync}'s limit: about 15 MB. */
  static final long MAX_AUDIO = (RUNSYNC_LIMIT - 1024) / 4 * 3;

  /** When to use the asynchronous path, how to poll, and worker options. */
  public record Settings(double asyncAboveSeconds, long asyncAboveBytes, boolean enableVad, RunPodJob.Polling polling) {
  }

  private final Vertx vertx;
  private final RunPodClient runpod;
  private final Settings settings;

  public RunPodWhisperBackend(Vertx vertx, BackendDescriptor descriptor, RunPodClient runpod, Settings settings) {
    super(descriptor);
    this.vertx = vertx;
    this.runpod = runpod;
    this.settings = settings;
  }

  @Override
  public Future<JsonObject> transcribe(TranscriptionRequest request, Buffer audio, CallContext context) {
    return Uploads.accept(descriptor(), request, audio, MAX_AUDIO).compose(model -> run(model, request, audio, context));
  }

  private Future<JsonObject> run(String model, TranscriptionRequest request, Buffer audio, CallContext call) {
    // The job is the whole answer timeouts.total_ms bounds: one no worker takes is given up (and cancelled) while the
    // request still has time for another backend, not at the request's own deadline.
    CallContext context = new CallContext(call.requestId(), call.keyId(), runpod.timeouts().endOf(System.currentTimeMillis(),
      call.deadlineMs()));
    long payload = payload(audio);
    double seconds = AudioProbe.wavSeconds(audio);
    boolean long_ = seconds > settings.asyncAboveSeconds() || audio.length() > settings.asyncAboveBytes();
    boolean async = long_ && payload <= RUN_LIMIT;
    String placeholder = Base64Audio.placeholder();
    JsonObject input = new JsonObject()
      .put("audio_base64", placeholder)
      .put("model", model)
      .put("transcription", "plain_text")
      .put("translate", false)
      .put("word_timestamps", false)
      .put("enable_vad", settings.enableVad());
    if (request.language() != null) {
      input.put("language", request.language());
    }
    if (request.prompt() != null) {
      input.put("initial_prompt", request.prompt());
    }
    if (request.temperature() != null) {
      input.put("temperature", request.temperature());
    }
    JsonObject body = new JsonObject().put("input", input);
    // /runsync holds the request open up to ?wait (1 s .. 300 s): no longer than the call may last.
    long wait = async ? 0 : Math.max(1_000, Math.min(300_000, Math.min(context.remainingMs(), runpod.timeouts().firstByteMs())));
    return RunPodJob.run(vertx, runpod, Base64Audio.jsonBody(body, placeholder, audio), wait, settings.polling(), context,
        RunPodJob.Observer.NONE)
      .map(job -> toVerbose(job, request, seconds));
  }

  /** The request's size: the audio as base64 and a kilobyte of JSON around it. */
  private static long payload(Buffer audio) {
    return 4L * ((audio.length() + 2) / 3) + 1024;
  }

  private JsonObject toVerbose(JsonObject job, TranscriptionRequest request, double wavSeconds) {
    if (!(job.getValue("output") instanceof JsonObject output) || output.getValue("error") != null) {
      String why = job.getValue("output") instanceof JsonObject o ? String.valueOf(o.getValue("error")) : "no output object";
      throw new MeshException(ErrorCode.UPSTREAM, descriptor().id() + ": runpod job " + job.getString("id")
        + " completed without a transcript: " + Secrets.redact(why, runpod.apiKey()));
    }
    JsonArray segments = Transcripts.segments(output.getJsonArray("segments"));
    Object text = output.getValue("transcription");
    if (!(text instanceof String)) {
      throw new MeshException(ErrorCode.UPSTREAM, descriptor().id() + ": runpod output has no 'transcription' text");
    }
    double duration = wavSeconds > 0 ? wavSeconds : Math.max(0, Transcripts.lastEnd(segments));
    String language = output.getString("detected_language", request.language());
    return Transcripts.verbose((String) text, language, duration, segments);
  }

  @Override
  public Future<Void> stop() {
    return runpod.close();
  }
}
