package io.switchboard.tts.elevenlabs;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.SpeechRequest;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.DescribedBackend;
import io.switchboard.core.backend.SpeechBackend;
import io.switchboard.core.stream.ChunkPipe;
import io.switchboard.tts.SpeechStream;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * ElevenLabs' streaming text-to-speech, {@code POST /v1/text-to-speech/{voice_id}/stream?output_format=...} with the
 * {@code xi-api-key} header and {@code {"text","model_id","voice_settings"}}; the chunked audio body is forwarded as
 * it arrives. The voice is a conf name ({@code voices: {alloy: <id>}}), else the request's {@code voice} when it
 * looks like an ElevenLabs voice id, else the default voice ({@code ELEVENLABS_VOICE_ID}). The trailer carries the
 * characters sent and, when ElevenLabs reports it ({@code character-cost} header), the credits charged.
 */
public final class ElevenLabsBackend extends DescribedBackend implements SpeechBackend {

  public static final String TYPE = "elevenlabs";

  private static final Pattern VOICE_ID = Pattern.compile("[A-Za-z0-9]{20}");
  /** Request fields ElevenLabs takes as they are. */
  private static final List<String> PASS_THROUGH = List.of("language_code", "seed", "previous_text", "next_text", "apply_text_normalization");

  /** What the backend needs besides its stream client. */
  public record Settings(String baseUrl, String apiKey, String defaultVoiceId, Map<String, String> voices,
                         JsonObject voiceSettings, boolean enableLogging) {
    /** Never print the key. */
    @Override
    public String toString() {
      return "Settings[" + baseUrl + ", voices " + voices.keySet() + "]";
    }
  }

  private final SpeechStream stream;
  private final Settings settings;

  public ElevenLabsBackend(BackendDescriptor descriptor, SpeechStream stream, Settings settings) {
    super(descriptor.withOutputs(ElevenLabsFormats.OUTPUTS));
    this.stream = stream;
    this.settings = settings;
  }

  @Override
  public String contentType(SpeechRequest request) {
    try {
      return ElevenLabsFormats.choose(descriptor().id(), request.responseFormat(), request.sampleRate()).contentType();
    } catch (MeshException unsupported) {
      return "application/octet-stream";
    }
  }

  @Override
  public ChunkPipe<Buffer> speak(SpeechRequest request, CallContext context) {
    return stream.open(() -> call(request), context);
  }

  /** The upstream call for {@code request}; a format, rate or voice ElevenLabs cannot take is refused here. */
  private SpeechStream.Call call(SpeechRequest request) {
    String model = SpeechStream.model(descriptor(), request);
    ElevenLabsFormats.Choice choice = ElevenLabsFormats.choose(descriptor().id(), request.responseFormat(), request.sampleRate());
    String url = settings.baseUrl() + "/v1/text-to-speech/" + URLEncoder.encode(voiceId(request.voice()), StandardCharsets.UTF_8)
      + "/stream?output_format=" + choice.outputFormat() + (settings.enableLogging() ? "" : "&enable_logging=false");
    RequestOptions post = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
      .putHeader("xi-api-key", settings.apiKey())
      .putHeader("content-type", "application/json");
    int characters = request.input().codePointCount(0, request.input().length());
    Buffer prefix = choice.wav() ? ElevenLabsFormats.streamingWavHeader(choice.sampleRate()) : null;
    return new SpeechStream.Call(post, body(request, model).toBuffer(), prefix, h -> trailer(characters, h));
  }

  private JsonObject body(SpeechRequest request, String model) {
    JsonObject body = new JsonObject().put("text", request.input()).put("model_id", model);
    JsonObject voiceSettings = settings.voiceSettings().copy();
    if (request.extra().getValue("voice_settings") instanceof JsonObject asked) {
      voiceSettings.mergeIn(asked);
    }
    if (request.speed() != null) {
      voiceSettings.put("speed", request.speed());
    }
    if (!voiceSettings.isEmpty()) {
      body.put("voice_settings", voiceSettings);
    }
    for (String field : PASS_THROUGH) {
      Object v = request.extra().getValue(field);
      if (v != null) {
        body.put(field, v);
      }
    }
    return body;
  }

  private String voiceId(String voice) {
    if (voice != null && settings.voices().containsKey(voice)) {
      return settings.voices().get(voice);
    }
    if (voice != null && VOICE_ID.matcher(voice).matches()) {
      return voice;
    }
    if (settings.defaultVoiceId() == null) {
      throw MeshException.invalid("voice", descriptor().id() + " has no default voice: name an ElevenLabs voice id");
    }
    return settings.defaultVoiceId();
  }

  private static JsonObject trailer(int characters, MultiMap headers) {
    JsonObject trailer = new JsonObject().put("characters", characters);
    String cost = headers.get("character-cost");
    if (cost != null) {
      try {
        trailer.put("credits", Long.parseLong(cost.trim()));
      } catch (NumberFormatException ignored) {
        // an unreadable figure is simply not reported
      }
    }
    return trailer;
  }

  @Override
  public Future<Void> stop() {
    return stream.close();
  }
}
