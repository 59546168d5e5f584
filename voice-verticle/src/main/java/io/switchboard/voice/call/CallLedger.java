package io.switchboard.voice.call;

import io.switchboard.api.Addresses;
import io.switchboard.api.CallUsage;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Prices;
import io.switchboard.api.Privacy;
import io.switchboard.api.UsageRecord;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a call used, counted as it goes, and the one usage record it leaves when it ends ({@link CallUsage} in a
 * {@link UsageRecord} whose request id is the call id). The stage requests leave their own records through the
 * router; this one adds what only the call knows: its length, audio both ways, turns, barge-ins, and per stage the
 * backends that served and their cost at the registry's list prices. On the call's context only.
 */
public final class CallLedger {

  private static final System.Logger LOG = System.getLogger(CallLedger.class.getName());

  private static final class Stage {
    int requests;
    int failures;
    final Set<String> backends = new LinkedHashSet<>();
    double cost;
  }

  private final String callId;
  private final String transport;
  private final String keyId;
  private final long startedAt = System.currentTimeMillis();
  private final Map<String, Stage> stages = new LinkedHashMap<>();
  private final Set<Privacy> used = new LinkedHashSet<>();
  private long inputTokens;
  private long outputTokens;
  private long characters;
  private double audioInSeconds;
  private int turns;
  private int bargeIns;
  private long firstFrameMs = -1;

  public CallLedger(String callId, String transport, String keyId) {
    this.callId = callId;
    this.transport = transport;
    this.keyId = keyId;
    for (String s : List.of("transcribe", "chat", "speech")) {
      stages.put(s, new Stage());
    }
  }

  /** A stage request was sent. */
  public void requested(String stage) {
    stages.get(stage).requests++;
  }

  /** A stage request failed (before or after content). */
  public void failed(String stage) {
    stages.get(stage).failures++;
  }

  /** Backend {@code backend} (of class {@code privacy}, if known) served part of {@code stage}, costing {@code cost}. */
  public void served(String stage, String backend, Privacy privacy, double cost) {
    Stage s = stages.get(stage);
    if (backend != null) {
      s.backends.add(backend);
    }
    if (privacy != null) {
      used.add(privacy);
    }
    s.cost += cost;
  }

  public void tokens(long in, long out) {
    inputTokens += in;
    outputTokens += out;
  }

  public void characters(long n) {
    characters += n;
  }

  public void audioIn(double seconds) {
    audioInSeconds += seconds;
  }

  public void turn() {
    turns++;
  }

  public void bargeIn() {
    bargeIns++;
  }

  public int bargeIns() {
    return bargeIns;
  }

  /** The first outbound frame of the call left now (the greeting's, usually). */
  public void firstFrame() {
    if (firstFrameMs < 0) {
      firstFrameMs = System.currentTimeMillis() - startedAt;
    }
  }

  /** Cost of a stage's usage at {@code prices}. */
  public static double cost(Prices prices, long inTokens, long outTokens, double audioSeconds, long chars) {
    return prices.cost(inTokens, outTokens, audioSeconds, chars);
  }

  /**
   * The call's record: capability null and cost 0 (its stages' records carry the cost), the privacy class of the
   * least private backend any stage used, the chat model, tokens and characters summed, the caller's audio as
   * {@code audio_seconds}, the call's length as {@code latency_ms}, the first outbound frame as {@code first_byte_ms}.
   */
  public UsageRecord record(String chatModel, Privacy ceiling, double audioOutSeconds, String endReason, ErrorCode error) {
    List<CallUsage.Stage> list = stages.entrySet().stream().map(e -> new CallUsage.Stage(e.getKey(), e.getValue().requests,
      e.getValue().failures, List.copyOf(e.getValue().backends), e.getValue().cost)).toList();
    long duration = System.currentTimeMillis() - startedAt;
    CallUsage usage = new CallUsage(transport, duration, audioInSeconds, audioOutSeconds, turns, bargeIns, ceiling, endReason, list);
    Privacy widest = used.stream().max(Enum::compareTo).orElse(null);
    UsageRecord.Builder b = UsageRecord.builder(callId).time(Instant.now()).keyId(keyId).model(chatModel).privacy(widest)
      .tokens(inputTokens, outputTokens).audioSeconds(audioInSeconds).characters(characters).latencyMs(duration)
      .firstByteMs(Math.max(0, firstFrameMs)).call(usage);
    if (error != null) {
      b.error(error);
    }
    return b.build();
  }

  /** Sends {@code record} to the ledger and waits for it to be durable, up to {@code timeoutMs}; never fails. */
  public static Future<Void> send(Vertx vertx, UsageRecord record, long timeoutMs) {
    return vertx.eventBus().request(Addresses.USAGE, record.toJson(), new DeliveryOptions().setSendTimeout(timeoutMs))
      .<Void>mapEmpty()
      .recover(e -> {
        LOG.log(System.Logger.Level.WARNING, "usage record of call {0} not confirmed by a ledger: {1}", record.requestId(), e.getMessage());
        return Future.succeededFuture();
      });
  }

  /** A compact form for logs and the end-of-call event. */
  public JsonObject summary() {
    return new JsonObject().put("turns", turns).put("barge_ins", bargeIns).put("audio_in_seconds", audioInSeconds);
  }
}
