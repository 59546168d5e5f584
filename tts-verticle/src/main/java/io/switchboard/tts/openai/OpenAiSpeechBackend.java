package io.switchboard.tts.openai;

import io.switchboard.api.AudioOutputs;
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
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * OpenAI's {@code POST /v1/audio/speech} (and compatible servers): {@code {"model","input","voice",
 * "response_format","speed"}} plus {@code instructions} for {@code gpt-4o-mini-tts}; the audio comes back as a
 * chunked body and is forwarded as it arrives. OpenAI's {@code pcm} is 24 kHz signed 16-bit little-endian mono and
 * its {@code wav} carries its own header; it has no mu-law and no other sample rate, so those requests are refused
 * here rather than answered with audio the caller would misread.
 */
public final class OpenAiSpeechBackend extends DescribedBackend implements SpeechBackend {

  public static final String TYPE = "openai-speech";
  /** OpenAI's documented input limit. */
  static final int MAX_INPUT = 4096;
  static final int PCM_RATE = 24_000;

  private static final Map<String, String> CONTENT_TYPES = Map.of(
    "mp3", "audio/mpeg", "opus", "audio/ogg", "aac", "audio/aac", "flac", "audio/flac", "wav", "audio/wav", "pcm", "audio/pcm");

  /** What the backend needs besides its stream client: where, with which key, and the voice when none is asked. */
  public record Settings(String baseUrl, String apiKey, String defaultVoice) {
    /** Never print the key. */
    @Override
    public String toString() {
      return "Settings[" + baseUrl + ", voice " + defaultVoice + "]";
    }
  }

  /** What the router may send here: OpenAI's formats, all at 24 kHz (it has no other rate and no mu-law). */
  static final AudioOutputs OUTPUTS = AudioOutputs.UNDECLARED.with("mp3", PCM_RATE).with("opus", PCM_RATE).with("aac", PCM_RATE)
    .with("flac", PCM_RATE).with("wav", PCM_RATE).with("pcm", PCM_RATE);

  private final SpeechStream stream;
  private final Settings settings;

  public OpenAiSpeechBackend(BackendDescriptor descriptor, SpeechStream stream, Settings settings) {
    super(descriptor.withOutputs(OUTPUTS));
    this.stream = stream;
    this.settings = settings;
  }

  @Override
  public String contentType(SpeechRequest request) {
    return CONTENT_TYPES.getOrDefault(request.responseFormat(), "application/octet-stream");
  }

  @Override
  public ChunkPipe<Buffer> speak(SpeechRequest request, CallContext context) {
    return stream.open(() -> call(request), context);
  }

  /** The upstream call for {@code request}; what OpenAI cannot answer is refused here, before any cost. */
  private SpeechStream.Call call(SpeechRequest request) {
    String id = descriptor().id();
    String model = SpeechStream.model(descriptor(), request);
    String format = request.responseFormat();
    if (!CONTENT_TYPES.containsKey(format)) {
      throw new MeshException(ErrorCode.UNSUPPORTED_MEDIA, id + " cannot produce '" + format + "' (mp3, opus, aac, flac, wav, pcm)",
        "response_format");
    }
    if (request.sampleRate() != null && request.sampleRate() != PCM_RATE && (format.equals("pcm") || format.equals("wav"))) {
      throw MeshException.invalid("sample_rate", id + " produces " + format + " at 24000 Hz only");
    }
    if (request.input().length() > MAX_INPUT) {
      throw MeshException.invalid("input", id + " takes at most " + MAX_INPUT + " characters of input");
    }
    JsonObject body = new JsonObject()
      .put("model", model)
      .put("input", request.input())
      .put("voice", request.voice() == null ? settings.defaultVoice() : request.voice())
      .put("response_format", format);
    if (request.speed() != null) {
      body.put("speed", request.speed());
    }
    if (request.extra().getValue("instructions") instanceof String instructions) {
      body.put("instructions", instructions);
    }
    RequestOptions post = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(settings.baseUrl() + "/audio/speech")
      .putHeader("authorization", "Bearer " + settings.apiKey())
      .putHeader("content-type", "application/json");
    int characters = request.input().codePointCount(0, request.input().length());
    return new SpeechStream.Call(post, body.toBuffer(), null, h -> new JsonObject().put("characters", characters));
  }

  @Override
  public Future<Void> stop() {
    return stream.close();
  }
}
