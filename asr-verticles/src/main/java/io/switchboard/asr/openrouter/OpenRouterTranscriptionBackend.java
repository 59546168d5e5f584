package io.switchboard.asr.openrouter;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.api.Usage;
import io.switchboard.asr.Transcripts;
import io.switchboard.asr.Uploads;
import io.switchboard.core.audio.AudioProbe;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.DescribedBackend;
import io.switchboard.core.backend.TranscriptionBackend;
import io.switchboard.core.http.Base64Audio;
import io.switchboard.core.http.UpstreamClient;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Locale;
import java.util.Set;

/**
 * Transcription by an audio-capable chat model on OpenRouter: {@code POST {base}/chat/completions} with one user
 * message holding an instruction and an {@code input_audio} part ({@code {"data": <base64>, "format": "wav"}}, the
 * only way OpenRouter takes audio: no URLs). The transcript is {@code choices[0].message.content}; the token usage
 * is kept. A chat model gives no timestamps, so segments are empty and the duration is read from a WAV header
 * when there is one.
 */
public final class OpenRouterTranscriptionBackend extends DescribedBackend implements TranscriptionBackend {

  public static final String TYPE = "openrouter-transcription";

  /** What the backend needs besides its HTTP client. */
  public record Settings(String baseUrl, String apiKey, String referer, String title, String instruction,
                         Set<String> formats, long maxUploadBytes) {
    /** Never print the key. */
    @Override
    public String toString() {
      return "Settings[" + baseUrl + ", formats " + formats + "]";
    }
  }

  private final UpstreamClient http;
  private final Settings settings;

  public OpenRouterTranscriptionBackend(BackendDescriptor descriptor, UpstreamClient http, Settings settings) {
    super(descriptor);
    this.http = http;
    this.settings = settings;
  }

  @Override
  public Future<JsonObject> transcribe(TranscriptionRequest request, Buffer audio, CallContext context) {
    return Uploads.accept(descriptor(), request, audio, settings.maxUploadBytes()).compose(model -> ask(model, request, audio, context));
  }

  private Future<JsonObject> ask(String model, TranscriptionRequest request, Buffer audio, CallContext context) {
    String id = descriptor().id();
    String format = AudioProbe.detect(audio, request.filename(), request.contentType()).extension();
    if (!settings.formats().contains(format)) {
      return Future.failedFuture(new MeshException(ErrorCode.UNSUPPORTED_MEDIA,
        id + " sends audio as " + String.join("/", settings.formats().stream().sorted().toList()) + "; this file is not one of them", "file"));
    }
    String placeholder = Base64Audio.placeholder();
    JsonObject body = new JsonObject()
      .put("model", model)
      .put("stream", false)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", new JsonArray()
        .add(new JsonObject().put("type", "text").put("text", instruction(request)))
        .add(new JsonObject().put("type", "input_audio").put("input_audio", new JsonObject().put("data", placeholder).put("format", format))))));
    if (request.temperature() != null) {
      body.put("temperature", request.temperature());
    }
    return http.call(post(), Base64Audio.jsonBody(body, placeholder, audio), context.deadlineMs())
      .map(reply -> {
        if (!reply.ok()) {
          throw http.error(reply);
        }
        return toVerbose(reply.json(id), request, audio);
      });
  }

  private RequestOptions post() {
    RequestOptions post = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(settings.baseUrl() + "/chat/completions")
      .putHeader("authorization", "Bearer " + settings.apiKey())
      .putHeader("content-type", "application/json")
      .putHeader("accept", "application/json");
    if (settings.referer() != null) {
      post.putHeader("HTTP-Referer", settings.referer());
    }
    if (settings.title() != null) {
      post.putHeader("X-Title", settings.title());
    }
    return post;
  }

  private String instruction(TranscriptionRequest request) {
    StringBuilder text = new StringBuilder(settings.instruction());
    if (request.language() != null) {
      text.append(" The speech is in language '").append(request.language()).append("'.");
    }
    if (request.prompt() != null) {
      text.append(" Context that may help with spelling: ").append(request.prompt());
    }
    return text.toString();
  }

  private JsonObject toVerbose(JsonObject json, TranscriptionRequest request, Buffer audio) {
    String id = descriptor().id();
    // OpenRouter reports an error met after the model started as a 200 whose body holds the error.
    if (json.getValue("error") instanceof JsonObject) {
      throw http.upstream().fromErrorObject(json);
    }
    JsonArray choices = json.getJsonArray("choices");
    JsonObject choice = choices == null || choices.isEmpty() ? null : choices.getJsonObject(0);
    if (choice == null) {
      throw new MeshException(ErrorCode.UPSTREAM, id + ": upstream answer has no choices");
    }
    if (choice.getValue("error") instanceof JsonObject || "error".equals(choice.getString("finish_reason"))) {
      throw http.upstream().fromErrorObject(choice.getValue("error") instanceof JsonObject ? choice
        : new JsonObject().put("error", "generation failed"));
    }
    String text = content(choice.getJsonObject("message", new JsonObject()).getValue("content"));
    if (text == null) {
      throw new MeshException(ErrorCode.UPSTREAM, id + ": upstream answer has no text content");
    }
    JsonObject out = Transcripts.verbose(text, request.language(), Math.max(0, AudioProbe.wavSeconds(audio)), null);
    JsonObject usage = json.getJsonObject("usage");
    if (usage != null) {
      JsonObject kept = Usage.fromJson(usage).toJson();
      if (usage.getValue("cost") instanceof Number cost) {
        kept.put("cost", cost.doubleValue());
      }
      out.put("usage", kept);
    }
    return out;
  }

  /** Message content is a string, or (some providers) an array of parts whose text parts are joined. */
  private static String content(Object content) {
    if (content instanceof String s) {
      return s;
    }
    if (content instanceof JsonArray parts) {
      StringBuilder sb = new StringBuilder();
      for (Object p : parts) {
        if (p instanceof JsonObject part && "text".equals(part.getString("type"))) {
          sb.append(part.getString("text", ""));
        }
      }
      return sb.toString();
    }
    return null;
  }

  static Set<String> formats(JsonArray conf) {
    if (conf == null || conf.isEmpty()) {
      return Set.of("wav", "mp3");
    }
    return Set.copyOf(conf.stream().map(f -> String.valueOf(f).toLowerCase(Locale.ROOT)).toList());
  }

  @Override
  public Future<Void> stop() {
    return http.close();
  }
}
