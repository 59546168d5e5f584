package io.switchboard.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * What one voice call used, beside the per-stage request records its turns left: the {@code call} field of the
 * call's own {@link UsageRecord}. The stage records carry the cost the key's budget is charged; the call record's
 * own {@code cost_usd} is 0 so that nothing is counted twice, and {@link #costUsd()} here sums the stages.
 *
 * @param transport      {@code twilio} or {@code stream}
 * @param durationMs     from the call's start to its end
 * @param audioInSeconds caller audio received
 * @param audioOutSeconds agent audio sent
 * @param turns          answered turns (a transcript reached the chat stage)
 * @param bargeIns       times the caller interrupted the agent
 * @param privacy        the most the call allowed its data to travel
 * @param endReason      why the call ended ({@code caller hung up}, {@code drain timeout}, a protocol error...)
 * @param stages         one entry per stage (transcribe, chat, speech; or realtime)
 * @param mode           {@code pipeline} or {@code realtime} ({@link VoiceModes}); null in records from before modes
 * @param fallbackFrom   the mode the call was to start in and could not (it started in {@code mode}), else null
 */
public record CallUsage(String transport, long durationMs, double audioInSeconds, double audioOutSeconds, int turns, int bargeIns,
                        Privacy privacy, String endReason, List<Stage> stages, String mode, String fallbackFrom) {

  /** A pipeline call's usage as recorded before modes existed. */
  public CallUsage(String transport, long durationMs, double audioInSeconds, double audioOutSeconds, int turns, int bargeIns,
                   Privacy privacy, String endReason, List<Stage> stages) {
    this(transport, durationMs, audioInSeconds, audioOutSeconds, turns, bargeIns, privacy, endReason, stages, VoiceModes.PIPELINE, null);
  }

  /** This usage, of a call in {@code m} that fell back from {@code from} (null: it did not). */
  public CallUsage inMode(String m, String from) {
    return new CallUsage(transport, durationMs, audioInSeconds, audioOutSeconds, turns, bargeIns, privacy, endReason, stages, m, from);
  }

  /**
   * One stage of the cascade over the whole call.
   *
   * @param stage    {@code transcribe}, {@code chat} or {@code speech}
   * @param requests requests sent (each has its own usage record)
   * @param failures  requests that failed (before or after content)
   * @param discarded requests cancelled unheard: an answer prepared before the caller's turn was over, and the caller
   *                  went on (preemptive generation)
   * @param backends  the backends that served, in first-use order
   * @param costUsd   the stage's cost at list prices, as the registry announced them
   */
  public record Stage(String stage, int requests, int failures, int discarded, List<String> backends, double costUsd) {
    public Stage {
      backends = List.copyOf(backends);
    }

    /** A stage with nothing discarded. */
    public Stage(String stage, int requests, int failures, List<String> backends, double costUsd) {
      this(stage, requests, failures, 0, backends, costUsd);
    }

    public JsonObject toJson() {
      return new JsonObject().put("stage", stage).put("requests", requests).put("failures", failures).put("discarded", discarded)
        .put("backends", new JsonArray(new ArrayList<>(backends))).put("cost_usd", costUsd);
    }

    static Stage fromJson(JsonObject json) {
      List<String> backends = new ArrayList<>();
      json.getJsonArray("backends", new JsonArray()).forEach(b -> backends.add(String.valueOf(b)));
      return new Stage(json.getString("stage"), json.getInteger("requests", 0), json.getInteger("failures", 0),
        json.getInteger("discarded", 0), backends,
        json.getDouble("cost_usd", 0d));
    }
  }

  public CallUsage {
    stages = List.copyOf(stages);
  }

  /** The stages' costs summed. */
  public double costUsd() {
    return stages.stream().mapToDouble(Stage::costUsd).sum();
  }

  public JsonObject toJson() {
    JsonArray s = new JsonArray();
    stages.forEach(st -> s.add(st.toJson()));
    return new JsonObject().put("transport", transport).put("duration_ms", durationMs).put("audio_in_seconds", audioInSeconds)
      .put("audio_out_seconds", audioOutSeconds).put("turns", turns).put("barge_ins", bargeIns)
      .put("privacy", privacy == null ? null : privacy.wireName()).put("end_reason", endReason).put("cost_usd", costUsd())
      .put("stages", s).put("mode", mode).put("fallback_from", fallbackFrom);
  }

  public static CallUsage fromJson(JsonObject json) {
    List<Stage> stages = new ArrayList<>();
    json.getJsonArray("stages", new JsonArray()).forEach(o -> stages.add(Stage.fromJson((JsonObject) o)));
    String privacy = json.getString("privacy");
    return new CallUsage(json.getString("transport"), json.getLong("duration_ms", 0L), json.getDouble("audio_in_seconds", 0d),
      json.getDouble("audio_out_seconds", 0d), json.getInteger("turns", 0), json.getInteger("barge_ins", 0),
      privacy == null ? null : Privacy.parse(privacy), json.getString("end_reason"), stages, json.getString("mode"),
      json.getString("fallback_from"));
  }
}
