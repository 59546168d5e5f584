package io.switchboard.realtime.openai;

import io.vertx.core.json.JsonObject;

/** A Realtime session's audio format (GA {@code {"type": "audio/pcm", "rate": 24000}}, {@code audio/pcmu}, {@code audio/pcma}). */
record AudioFormat(String type, int rate) {

  static final AudioFormat PCM24K = new AudioFormat("audio/pcm", 24_000);

  static AudioFormat of(JsonObject format, AudioFormat otherwise) {
    if (format == null || format.getString("type") == null) {
      return otherwise;
    }
    String type = format.getString("type");
    return type.equals("audio/pcm") ? new AudioFormat(type, format.getInteger("rate", 24_000)) : new AudioFormat(type, 8000);
  }

  double bytesPerSecond() {
    return type.equals("audio/pcm") ? rate * 2.0 : rate;
  }
}
