package io.switchboard.tts.openai;

import io.switchboard.api.AudioOutputs;
import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.SpeechRequest;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.SpeechBackend;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * OpenAI's {@code POST /v1/audio/speech} (and compatible servers): {@code {"model","input","voice",
 * "response_format","speed"}} plus {@code instructions} for {@code gpt-4o-mini-tts}; the audio comes back as a
 * chunked body and is forwarded as it arrives. OpenAI's {@code pcm} is 24 kHz signed 16-bit little-endian mono and
 * its {@code wav} carries its own header; it has no mu-law and no other sample rate, so those requests are refused
 * here rather than answered with audio the caller would misread.
 */
public final class OpenAiSpeechBackend implements SpeechBackend {

  public static final String TYPE = "openai-speech";
  /** OpenAI's documented input limit. */
  static final int MAX_INPUT = 4096;
  static final int PCM_RATE = 24_000;

  private static final Map<String, String> CONTENT_TYPES = Map.of(
    "mp3", "audio/mpeg", "opus", "audio/ogg", "aac", "audio/aac", "flac", "audio/flac", "wav", "audio/wav", "pcm", "audio/pcm");

  /** What the router may send here: OpenAI's formats, all at 24 kHz (it has no other rate and no mu-law). */
  static final AudioOutputs OUTPUTS = AudioOutputs.UNDECLARED.with("mp3", PCM_RATE).with("opus", PCM_RATE).with("aac", PCM_RATE)
    .with("flac", PCM_RATE).with("wav", PCM_RATE).with("pcm", PCM_RATE);

  private final BackendDescriptor descriptor;
  private final SpeechStream stream;
  private final String url;
  private final String apiKey;
  private final String defaultVoice;

  public OpenAiSpeechBackend(BackendDescriptor descriptor, SpeechStream stream, String baseUrl, String apiKey, String defaultVoice) {
    this.descriptor = descriptor.withOutputs(OUTPUTS);
    this.stream = stream;
    this.url = baseUrl + "/audio/speech";
    this.apiKey = apiKey;
    this.defaultVoice = defaultVoice;
  }

  @Override
  public BackendDescriptor descriptor() {
    return descriptor;
  }

  @Override
  public String contentType(SpeechRequest request) {
    return CONTENT_TYPES.getOrDefault(request.responseFormat(), "application/octet-stream");
  }

  @Override
  public ChunkPipe<Buffer> speak(SpeechRequest request, CallContext context) {
    String id = descriptor.id();
    String model = descriptor.resolveModel(request.model());
    if (model == null) {
      return SpeechStream.failed(new MeshException(ErrorCode.MODEL_NOT_FOUND, id + " does not serve model '" + request.model() + "'", "model"));
    }
    String format = request.responseFormat();
    if (!CONTENT_TYPES.containsKey(format)) {
      return SpeechStream.failed(new MeshException(ErrorCode.UNSUPPORTED_MEDIA,
        id + " cannot produce '" + format + "' (mp3, opus, aac, flac, wav, pcm)", "response_format"));
    }
    if (request.sampleRate() != null && request.sampleRate() != PCM_RATE && (format.equals("pcm") || format.equals("wav"))) {
      return SpeechStream.failed(MeshException.invalid("sample_rate", id + " produces " + format + " at 24000 Hz only"));
    }
    if (request.input().length() > MAX_INPUT) {
      return SpeechStream.failed(MeshException.invalid("input", id + " takes at most " + MAX_INPUT + " characters of input"));
    }
    JsonObject body = new JsonObject()
      .put("model", model)
      .put("input", request.input())
      .put("voice", request.voice() == null ? defaultVoice : request.voice())
      .put("response_format", format);
    if (request.speed() != null) {
      body.put("speed", request.speed());
    }
    if (request.extra().getValue("instructions") instanceof String instructions) {
      body.put("instructions", instructions);
    }
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
      .add("authorization", "Bearer " + apiKey)
      .add("content-type", "application/json");
    int characters = request.input().codePointCount(0, request.input().length());
    return stream.open(new SpeechStream.Call(url, headers, body.toBuffer(), null,
      h -> new JsonObject().put("characters", characters)), context);
  }

  @Override
  public Future<Void> stop() {
    return stream.close();
  }
}
