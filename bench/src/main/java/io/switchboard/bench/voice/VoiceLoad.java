package io.switchboard.bench.voice;

import io.switchboard.bench.BenchKit;
import io.switchboard.bench.audio.Args;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Concurrent phone calls against a node's {@code /v1/voice/twilio}: {@code --calls} callers, started
 * {@code --stagger-ms} apart, each doing {@code --turns} turns of a flite-spoken utterance (every {@code --barge-every}th
 * turn it cuts into the answer). Prints one JSON line: voice-to-voice percentiles, Switchboard's share of them
 * (voice-to-voice minus {@code --fixed-ms}, the endpoint silence plus the stages' first-byte delays), barge-in (speech
 * onset to {@code clear}), and whether every answer's audio arrived no later than real time from its first frame.
 * When a stage ran inside the endpoint silence (speculative transcription), {@code --hidden-ms} names its first-byte
 * delay and {@code --overlap} says which it was: the share is then also given against the stages that stayed in series
 * ({@code share_serial_*}: voice-to-voice minus ({@code --fixed-ms} minus {@code --hidden-ms})), beside the issue's
 * definition (minus all of {@code --fixed-ms}), which such an overlap can take below zero.
 *
 * <p>Usage: {@code VoiceLoad --port 18300 [--calls 1] [--turns 10] [--barge-every 0] [--stagger-ms 150]
 * [--fixed-ms 850] [--hidden-ms 0 --overlap "what ran during the silence"] [--label name] [--text "..."]}
 */
public final class VoiceLoad implements Caller.Results {

  private final Histogram v2v = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
  private final Histogram barge = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
  private final Histogram lateness = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
  private final List<String> errors = new ArrayList<>();
  private final CompletableFuture<Void> allDone = new CompletableFuture<>();
  private int answers;
  private int lateAnswers;
  private long frames;
  private int remaining;
  /** Held for the whole run: Vert.x closes a client (and its calls) once nothing refers to it. */
  private WebSocketClient client;

  public static void main(String[] args) throws Exception {
    JsonObject o = Args.options(args, new JsonObject().put("port", 18300).put("calls", 1).put("turns", 10).put("barge-every", 0)
      .put("stagger-ms", 150).put("fixed-ms", 850).put("hidden-ms", 0).putNull("overlap").putNull("label")
      .put("text", "I would like to book a table for two people tonight."));
    int calls = o.getInteger("calls");
    int turns = o.getInteger("turns");
    int bargeEvery = o.getInteger("barge-every");
    Utterance utterance = Utterance.speak(o.getString("text"));
    Vertx vertx = BenchKit.oneLoop();
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(calls + 10));
    VoiceLoad load = new VoiceLoad();
    load.client = client;
    load.remaining = calls;
    long started = System.nanoTime();
    vertx.runOnContext(v -> {
      for (int i = 0; i < calls; i++) {
        Caller c = new Caller(vertx, client, o.getInteger("port"), utterance, turns, bargeEvery, load, 1000L + i);
        vertx.setTimer(1 + i * o.getLong("stagger-ms"), t -> c.start());
      }
    });
    load.allDone.get(30, TimeUnit.MINUTES);
    double seconds = (System.nanoTime() - started) / 1e9;
    long fixedMs = o.getLong("fixed-ms");
    String label = Objects.requireNonNullElse(o.getString("label"), calls + " calls");
    JsonObject report = load.report(label, calls, turns, bargeEvery, fixedMs, utterance, seconds);
    long hiddenMs = o.getLong("hidden-ms");
    if (hiddenMs > 0 && load.v2v.getTotalCount() > 0) {
      long serial = fixedMs - hiddenMs;
      report.put("overlap", o.getString("overlap")).put("serial_fixed_ms", serial)
        .put("share_serial_p50_ms", ms(load.v2v.getValueAtPercentile(50)) - serial)
        .put("share_serial_p95_ms", ms(load.v2v.getValueAtPercentile(95)) - serial);
    }
    System.out.println(report.encode());
    load.client.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private JsonObject report(String label, int calls, int turns, int bargeEvery, long fixedMs, Utterance u, double seconds) {
    JsonObject out = new JsonObject().put("bench", "voice").put("label", label).put("calls", calls).put("turns_per_call", turns)
      .put("barge_every", bargeEvery).put("utterance_s", u.seconds()).put("seconds", Math.round(seconds * 10) / 10.0)
      .put("load_average", loadAverage()).put("errors", errors.size());
    if (!errors.isEmpty()) {
      out.put("first_errors", errors.subList(0, Math.min(5, errors.size())));
    }
    if (v2v.getTotalCount() > 0) {
      out.put("turns_measured", v2v.getTotalCount())
        .put("v2v_p50_ms", ms(v2v.getValueAtPercentile(50))).put("v2v_p95_ms", ms(v2v.getValueAtPercentile(95)))
        .put("v2v_max_ms", ms(v2v.getMaxValue())).put("v2v_mean_ms", Math.round(v2v.getMean() / 100.0) / 10.0).put("fixed_ms", fixedMs)
        .put("share_p50_ms", ms(v2v.getValueAtPercentile(50)) - fixedMs).put("share_p95_ms", ms(v2v.getValueAtPercentile(95)) - fixedMs);
    }
    if (barge.getTotalCount() > 0) {
      out.put("barge_ins", barge.getTotalCount()).put("barge_p50_ms", ms(barge.getValueAtPercentile(50)))
        .put("barge_p95_ms", ms(barge.getValueAtPercentile(95))).put("barge_max_ms", ms(barge.getMaxValue()));
    }
    out.put("answers", answers).put("answer_frames", frames).put("answers_late", lateAnswers)
      .put("max_lateness_ms", answers == 0 ? null : ms(lateness.getMaxValue()));
    return out;
  }

  private static double ms(long micros) {
    return Math.round(micros / 100.0) / 10.0;
  }

  private static String loadAverage() {
    try {
      String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (java.io.IOException e) {
      return "?";
    }
  }

  @Override
  public void voiceToVoice(long micros) {
    v2v.recordValue(Math.max(0, micros));
  }

  @Override
  public void bargeIn(long micros) {
    barge.recordValue(Math.max(0, micros));
  }

  /** Lateness: how far behind real time (counted from the answer's first frame) its latest frame came; 0 when never. */
  @Override
  public void answer(long maxLatenessMicros, int answerFrames) {
    answers++;
    frames += answerFrames;
    lateness.recordValue(Math.max(0, maxLatenessMicros));
    if (maxLatenessMicros > 20_000) {
      lateAnswers++;
    }
  }

  @Override
  public void error(String what) {
    errors.add(what);
  }

  @Override
  public void done(Caller caller) {
    if (--remaining == 0) {
      allDone.complete(null);
    }
  }
}
