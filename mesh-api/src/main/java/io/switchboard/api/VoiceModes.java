package io.switchboard.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which mode new voice calls start in, as the operators set it ({@code voice.mode}, {@code voice.modes},
 * {@code voice.fallback_mode}, {@code voice.allowed_modes} in conf; {@code PUT /api/v1/voice/mode} at run time):
 * {@code pipeline} (the cascade: transcription, chat and speech backends under the mesh's policy) or {@code realtime}
 * (one speech-to-speech session on a backend of capability {@code realtime}).
 *
 * @param split    share of new calls per mode, as weights ({@code {pipeline: 90, realtime: 10}}); a bare {@code mode}
 *                 is a split of 100 to that mode
 * @param fallback the mode a call starts in when its own cannot start (null: none, the call is refused)
 * @param allowed  the modes a call may ask for in its own parameters ({@code mode})
 */
public record VoiceModes(Map<String, Integer> split, String fallback, List<String> allowed) {

  public static final String PIPELINE = "pipeline";
  public static final String REALTIME = "realtime";
  public static final List<String> MODES = List.of(PIPELINE, REALTIME);
  public static final VoiceModes DEFAULT = new VoiceModes(Map.of(PIPELINE, 100), PIPELINE, MODES);
  /**
   * The field of an operators' change that counts the changes made in the cluster (1 for the first): a node applies a
   * change only when it is newer than the one it has (the publishes of two quick changes may arrive out of order).
   */
  public static final String VERSION = "version";

  public VoiceModes {
    Map<String, Integer> on = new LinkedHashMap<>();
    split.forEach((m, w) -> {
      if (w > 0) {
        on.put(m, w); // a mode of weight 0 gets no calls: the same split as one without it
      }
    });
    split = Map.copyOf(on);
    allowed = List.copyOf(allowed);
  }

  /**
   * Reads the operators' form: {@code mode} or {@code modes} (not both), {@code fallback_mode}, {@code allowed_modes};
   * what is absent comes from {@code base}. A bad value is an {@link IllegalArgumentException} naming it.
   */
  public static VoiceModes fromJson(JsonObject json, VoiceModes base) {
    Map<String, Integer> split = base.split;
    if (json.getValue("mode") != null && json.getValue("modes") != null) {
      VoiceModes both = fromJson(new JsonObject().put("modes", json.getValue("modes")), base);
      if (!json.getValue("mode").equals(both.single())) {
        throw new IllegalArgumentException("'mode' and 'modes' disagree: give one of them");
      }
      split = both.split;
    } else if (json.getValue("mode") != null) {
      split = Map.of(mode("mode", json.getValue("mode")), 100);
    } else if (json.getValue("modes") != null) {
      if (!(json.getValue("modes") instanceof JsonObject m) || m.isEmpty()) {
        throw new IllegalArgumentException("'modes' must be an object of mode to weight, e.g. {\"pipeline\": 90, \"realtime\": 10}");
      }
      Map<String, Integer> s = new LinkedHashMap<>();
      int total = 0;
      for (String k : m.fieldNames()) {
        Object w = m.getValue(k);
        if (!(w instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() != Math.rint(n.doubleValue())) {
          throw new IllegalArgumentException("modes." + k + " must be a whole number >= 0, got " + w);
        }
        s.put(mode("modes", k), n.intValue());
        total += n.intValue();
      }
      if (total <= 0) {
        throw new IllegalArgumentException("'modes' must give some mode a weight above 0");
      }
      split = s;
    }
    String fallback = base.fallback;
    if (json.containsKey("fallback_mode")) {
      Object f = json.getValue("fallback_mode");
      fallback = f == null || "none".equals(f) ? null : mode("fallback_mode", f);
    }
    List<String> allowed = base.allowed;
    if (json.getValue("allowed_modes") != null) {
      if (!(json.getValue("allowed_modes") instanceof JsonArray a)) {
        throw new IllegalArgumentException("'allowed_modes' must be a list of modes");
      }
      List<String> list = new ArrayList<>();
      a.forEach(x -> list.add(mode("allowed_modes", x)));
      allowed = list;
    }
    return new VoiceModes(split, fallback, allowed);
  }

  private static String mode(String field, Object v) {
    if (!(v instanceof String s) || !MODES.contains(s)) {
      throw new IllegalArgumentException(field + ": unknown mode '" + v + "' (pipeline, realtime)");
    }
    return s;
  }

  /** The mode for a new call, from {@code u} uniform in [0, 1): each mode gets its weight's share. */
  public String pick(double u) {
    int total = split.values().stream().mapToInt(Integer::intValue).sum();
    double at = u * total;
    for (String m : MODES) {
      int w = split.getOrDefault(m, 0);
      if (at < w) {
        return m;
      }
      at -= w;
    }
    return MODES.stream().filter(m -> split.getOrDefault(m, 0) > 0).reduce((a, b) -> b).orElse(PIPELINE);
  }

  /** The one mode every new call takes, or null when the calls are split. */
  public String single() {
    List<String> on = MODES.stream().filter(m -> split.getOrDefault(m, 0) > 0).toList();
    return on.size() == 1 ? on.get(0) : null;
  }

  public JsonObject toJson() {
    JsonObject modes = new JsonObject();
    MODES.forEach(m -> modes.put(m, split.getOrDefault(m, 0)));
    return new JsonObject().put("mode", single()).put("modes", modes).put("fallback_mode", fallback)
      .put("allowed_modes", new JsonArray(new ArrayList<>(allowed)));
  }
}
