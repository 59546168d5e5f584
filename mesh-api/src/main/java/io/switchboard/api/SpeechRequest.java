package io.switchboard.api;

import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * A text-to-speech request, OpenAI's {@code /v1/audio/speech} body: {@code model}, {@code input}, {@code voice},
 * {@code response_format} (mp3, wav, pcm, opus, aac, flac; the mesh adds {@code ulaw}), {@code speed}, and
 * optionally {@code sample_rate}. On the bus the answer is always a stream (see {@link StreamProtocol}) of audio
 * {@code Buffer}s; the first data message's headers include {@code content-type}.
 */
public record SpeechRequest(String model, String input, String voice, String responseFormat, Double speed, Integer sampleRate, JsonObject extra, RouteHints hints) {

  public static final Set<String> FORMATS = Set.of("mp3", "wav", "pcm", "opus", "aac", "flac", "ulaw");
  public static final String CONTENT_TYPE_HEADER = "content-type";

  public SpeechRequest {
    extra = extra == null ? new JsonObject() : extra;
    hints = hints == null ? RouteHints.NONE : hints;
  }

  public static SpeechRequest fromJson(JsonObject body) {
    String m = RequestBodies.model(body);
    Object input = body.getValue("input");
    if (!(input instanceof String in) || in.isBlank()) {
      throw MeshException.invalid("input", input == null ? "'input' is required" : "'input' must be a non-empty string");
    }
    Object voice = body.getValue("voice");
    if (voice != null && !(voice instanceof String)) {
      throw MeshException.invalid("voice", "'voice' must be a string");
    }
    Object fmt = body.getValue("response_format", "mp3");
    if (!(fmt instanceof String f) || !FORMATS.contains(f)) {
      throw MeshException.invalid("response_format", "'response_format' must be one of mp3, wav, pcm, opus, aac, flac, ulaw");
    }
    Double speed = null;
    Object s = body.getValue("speed");
    if (s != null) {
      if (!(s instanceof Number n) || n.doubleValue() < 0.25 || n.doubleValue() > 4.0) {
        throw MeshException.invalid("speed", "'speed' must be a number between 0.25 and 4.0");
      }
      speed = n.doubleValue();
    }
    Integer rate = null;
    Object r = body.getValue("sample_rate");
    if (r != null) {
      if (!(r instanceof Number n) || n.intValue() < 8000 || n.intValue() > 48000 || n.doubleValue() != Math.rint(n.doubleValue())) {
        throw MeshException.invalid("sample_rate", "'sample_rate' must be an integer between 8000 and 48000");
      }
      rate = n.intValue();
    }
    JsonObject extra = new JsonObject();
    body.forEach(e -> {
      switch (e.getKey()) {
        case "model", "input", "voice", "response_format", "speed", "sample_rate" -> { }
        default -> {
          if (!RouteHints.isHintField(e.getKey())) {
            extra.put(e.getKey(), e.getValue());
          }
        }
      }
    });
    return new SpeechRequest(m, in, (String) voice, f, speed, rate, extra, RouteHints.fromJson(body));
  }

  public SpeechRequest withModel(String newModel) {
    return new SpeechRequest(newModel, input, voice, responseFormat, speed, sampleRate, extra, hints);
  }

  public JsonObject toJson() {
    JsonObject json = extra.copy().put("model", model).put("input", input).put("response_format", responseFormat);
    RequestBodies.putSet(json, "voice", voice);
    RequestBodies.putSet(json, "speed", speed);
    RequestBodies.putSet(json, "sample_rate", sampleRate);
    return hints.writeTo(json);
  }
}
