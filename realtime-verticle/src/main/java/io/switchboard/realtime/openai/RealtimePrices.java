package io.switchboard.realtime.openai;

import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;

/** A realtime backend's list prices per model: audio minutes in and out, and tokens ({@code response.done}'s usage). */
record RealtimePrices(Map<String, Line> byModel) {

  record Line(double audioInPerMinute, double audioOutPerMinute, double inputPerMTok, double outputPerMTok) {
    static final Line FREE = new Line(0, 0, 0, 0);
  }

  static RealtimePrices fromJson(JsonObject json) {
    Map<String, Line> out = new HashMap<>();
    json.forEach(e -> {
      if (e.getValue() instanceof JsonObject p) {
        out.put(e.getKey(), new Line(p.getDouble("audio_in_per_minute", 0d), p.getDouble("audio_out_per_minute", 0d),
          p.getDouble("input_per_mtok", 0d), p.getDouble("output_per_mtok", 0d)));
      }
    });
    return new RealtimePrices(Map.copyOf(out));
  }

  double cost(String model, double audioInSeconds, double audioOutSeconds, long inputTokens, long outputTokens) {
    Line l = byModel.getOrDefault(model, Line.FREE);
    return audioInSeconds / 60 * l.audioInPerMinute + audioOutSeconds / 60 * l.audioOutPerMinute
      + inputTokens * l.inputPerMTok / 1e6 + outputTokens * l.outputPerMTok / 1e6;
  }
}
