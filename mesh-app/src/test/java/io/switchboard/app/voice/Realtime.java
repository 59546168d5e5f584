package io.switchboard.app.voice;

import io.switchboard.core.testkit.realtime.FakeRealtimeServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Helpers of the realtime-mode call tests: the backend entry for a fake Realtime server, and caller "speech". */
final class Realtime {

  static final String KEY_ENV = "FAKE_RT_KEY";
  static final String KEY = "sk-fake-realtime";

  private Realtime() {
  }

  static JsonObject backend(String id, FakeRealtimeServer fake, int priority) {
    return new JsonObject().put("id", id).put("type", "openai-realtime").put("base_url", fake.baseUrl()).put("api_key_env", KEY_ENV)
      .put("privacy", "cloud").put("priority", priority).put("models", new JsonArray().add("gpt-realtime"))
      .put("prices", new JsonObject().put("gpt-realtime", new JsonObject().put("audio_in_per_minute", 0.06).put("audio_out_per_minute", 0.24)));
  }

  /** A loud tone: the fake's VAD hears it as speech. */
  static float[] tone(int rate, int ms) {
    float[] out = new float[rate * ms / 1000];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (0.4 * Math.sin(2 * Math.PI * 300 * i / rate));
    }
    return out;
  }
}
