package io.switchboard.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The audio a speech backend can produce, announced in its descriptor so the router sends a request only to backends
 * that can serve its {@code response_format} and {@code sample_rate} (a backend that cannot would refuse it with a
 * 415 or 400 that no other backend gets a chance to answer). Each format maps to the sample rates it comes in; an
 * empty list means any rate {@link SpeechRequest} accepts (the backend resamples). {@link #UNDECLARED} (no formats
 * at all) makes no promise either way: such a backend is never left out for its format.
 *
 * <p>JSON: {@code {"mp3": [22050, 44100], "wav": []}}.
 */
public record AudioOutputs(Map<String, List<Integer>> formats) {

  public static final AudioOutputs UNDECLARED = new AudioOutputs(Map.of());

  public AudioOutputs {
    Map<String, List<Integer>> copy = new LinkedHashMap<>();
    formats.forEach((f, rates) -> copy.put(f, List.copyOf(rates)));
    formats = java.util.Collections.unmodifiableMap(copy);
  }

  /** These outputs plus {@code format} at {@code rates} (none: any rate). */
  public AudioOutputs with(String format, Integer... rates) {
    Map<String, List<Integer>> next = new LinkedHashMap<>(formats);
    next.put(format, List.of(rates));
    return new AudioOutputs(next);
  }

  /**
   * Why a backend with these outputs cannot produce {@code format} at {@code sampleRate} (null: the backend's own
   * rate), or null when it can: e.g. {@code cannot produce mp3 (wav, pcm, ulaw only)}.
   */
  public String refusal(String format, Integer sampleRate) {
    if (formats.isEmpty() || format == null) {
      return null;
    }
    List<Integer> rates = formats.get(format);
    if (rates == null) {
      return "cannot produce " + format + " (" + String.join(", ", formats.keySet()) + " only)";
    }
    if (sampleRate == null || rates.isEmpty() || rates.contains(sampleRate)) {
      return null;
    }
    return "produces " + format + " at " + rates.stream().map(String::valueOf).collect(Collectors.joining(", ")) + " Hz only";
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    formats.forEach((f, rates) -> json.put(f, new JsonArray(new ArrayList<>(rates))));
    return json;
  }

  /** Reads {@link #toJson()}'s form; null or empty is {@link #UNDECLARED}, entries that are not lists of numbers are skipped. */
  public static AudioOutputs fromJson(JsonObject json) {
    if (json == null || json.isEmpty()) {
      return UNDECLARED;
    }
    Map<String, List<Integer>> formats = new LinkedHashMap<>();
    json.forEach(e -> {
      if (e.getValue() instanceof JsonArray rates) {
        List<Integer> list = new ArrayList<>();
        rates.forEach(r -> {
          if (r instanceof Number n) {
            list.add(n.intValue());
          }
        });
        formats.put(e.getKey(), list);
      }
    });
    return new AudioOutputs(formats);
  }
}
