package io.switchboard.asr.openai;

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
import io.switchboard.core.http.UpstreamClient;
import io.switchboard.core.http.UpstreamReply;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * OpenAI's {@code POST /v1/audio/transcriptions} and the servers that copy it (Groq, a faster-whisper or
 * whisper.cpp server). The audio goes up as the {@code file} part of a multipart form, named with an extension the
 * upstream recognises. Models that give timestamps ({@code whisper-1} and most compatible servers) are asked for
 * {@code verbose_json} with segment granularity; the {@code gpt-4o-*-transcribe} family, which only answers
 * {@code json} or {@code text}, is asked for {@code json} and yields no segments.
 */
public final class OpenAiTranscriptionBackend extends DescribedBackend implements TranscriptionBackend {

  public static final String TYPE = "openai-transcription";

  private final UpstreamClient http;
  private final String url;
  private final String apiKey;
  private final Set<String> jsonOnlyModels;
  private final long maxUploadBytes;

  public OpenAiTranscriptionBackend(BackendDescriptor descriptor, UpstreamClient http, String baseUrl, String apiKey,
                                    Set<String> jsonOnlyModels, long maxUploadBytes) {
    super(descriptor);
    this.http = http;
    this.url = baseUrl + "/audio/transcriptions";
    this.apiKey = apiKey;
    this.jsonOnlyModels = Set.copyOf(jsonOnlyModels);
    this.maxUploadBytes = maxUploadBytes;
  }

  @Override
  public Future<JsonObject> transcribe(TranscriptionRequest request, Buffer audio, CallContext context) {
    return Uploads.accept(descriptor(), request, audio, maxUploadBytes).compose(model -> upload(model, request, audio, context));
  }

  private Future<JsonObject> upload(String model, TranscriptionRequest request, Buffer audio, CallContext context) {
    // The bytes decide, not the name: a file that is not audio is refused here rather than paid for upstream.
    if (AudioProbe.sniff(audio) == AudioProbe.Format.UNKNOWN) {
      return Future.failedFuture(new MeshException(ErrorCode.UNSUPPORTED_MEDIA,
        descriptor().id() + ": the file is not audio this API reads (flac, m4a, mp3, mp4, ogg, wav, webm)", "file"));
    }
    AudioProbe.Format format = AudioProbe.detect(audio, request.filename(), request.contentType());
    boolean verbose = supportsVerbose(model);
    Multipart form = new Multipart()
      .field("model", model)
      .field("response_format", verbose ? "verbose_json" : "json")
      .field("timestamp_granularities[]", verbose ? "segment" : null)
      .field("language", request.language())
      .field("prompt", request.prompt())
      .field("temperature", request.temperature() == null ? null : request.temperature().toString())
      .file("file", uploadName(request.filename(), format), contentType(request.contentType(), format), audio);
    RequestOptions post = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
      .putHeader("authorization", "Bearer " + apiKey)
      .putHeader("content-type", form.contentType())
      .putHeader("accept", "application/json");
    return http.call(post, form.parts(), context.deadlineMs()).map(reply -> {
      if (!reply.ok()) {
        throw http.error(reply);
      }
      return toVerbose(reply, request, audio);
    });
  }

  /** gpt-4o transcription models answer only json/text; the rest of the OpenAI-shaped world gives verbose_json. */
  boolean supportsVerbose(String model) {
    return !jsonOnlyModels.contains(model) && !model.startsWith("gpt-4o");
  }

  private JsonObject toVerbose(UpstreamReply reply, TranscriptionRequest request, Buffer audio) {
    String type = reply.headers().get("content-type");
    if (type != null && type.startsWith("text/plain")) {
      return Transcripts.verbose(reply.body().toString(), request.language(), Math.max(0, AudioProbe.wavSeconds(audio)), null);
    }
    JsonObject json = reply.json(descriptor().id());
    if (!(json.getValue("text") instanceof String text)) {
      throw new MeshException(ErrorCode.UPSTREAM, descriptor().id() + ": upstream transcript has no 'text'");
    }
    JsonObject usage = json.getJsonObject("usage");
    double duration = json.getValue("duration") instanceof Number d ? d.doubleValue()
      : usage != null && usage.getValue("seconds") instanceof Number s ? s.doubleValue()
      : AudioProbe.wavSeconds(audio);
    String language = json.getString("language", request.language());
    JsonObject out = Transcripts.verbose(text, language, duration, Transcripts.segments(json.getJsonArray("segments")));
    if (usage != null) {
      out.put("usage", usage);
    }
    return out;
  }

  /** OpenAI picks the decoder from the file name's extension: keep the caller's name when it has a known one. */
  static String uploadName(String filename, AudioProbe.Format format) {
    String base = filename == null || filename.isBlank() ? "audio" : filename.replaceAll("[\\\\/]", "_");
    if (AudioProbe.fromExtension(base) != AudioProbe.Format.UNKNOWN || format == AudioProbe.Format.UNKNOWN) {
      return base;
    }
    return base + "." + format.extension();
  }

  private static String contentType(String given, AudioProbe.Format format) {
    if (format != AudioProbe.Format.UNKNOWN) {
      return format.mimeType();
    }
    return given == null || given.isBlank() || given.contains("\r") || given.contains("\n") ? format.mimeType() : given;
  }

  @Override
  public Future<Void> stop() {
    return http.close();
  }
}
