package io.switchboard.voice.call;

import io.switchboard.api.Addresses;
import io.switchboard.api.CallUsage;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Privacy;
import io.switchboard.api.UsageRecord;
import io.switchboard.api.VoiceModes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
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

  /** What one stage request used, priced at the end of the call (the registry's prices and classes then). */
  private record Use(String backend, String model, long inputTokens, long outputTokens, double audioSeconds, long characters) {
  }

  private static final class Stage {
    int requests;
    int failures;
    int discarded;
    final Set<String> backends = new LinkedHashSet<>();
    final List<Use> uses = new ArrayList<>();
  }

  private final String callId;
  private final String transport;
  private final String keyId;
  private final long startedAt = System.currentTimeMillis();
  private final Map<String, Stage> stages = new LinkedHashMap<>();
  private long inputTokens;
  private long outputTokens;
  private long characters;
  private double audioInSeconds;
  private int turns;
  private int bargeIns;
  private long firstFrameMs = -1;
  private String fallbackFrom;

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

  /** A stage request failed (before or after content), on {@code backend} when one had started serving it (else null). */
  public void failed(String stage, String backend) {
    Stage s = stages.get(stage);
    s.failures++;
    if (backend != null) {
      s.backends.add(backend);
    }
  }

  /**
   * {@code n} requests of {@code stage} were cancelled unheard: prepared for an utterance the caller then went on with
   * (they count among {@link #requested}; their own records show them cancelled).
   */
  public void discarded(String stage, int n) {
    stages.get(stage).discarded += n;
  }

  /** Backend {@code backend} served a request of {@code stage} for {@code model}, using this much. */
  public void served(String stage, String backend, String model, long inTokens, long outTokens, double audioSeconds, long chars) {
    Stage s = stages.get(stage);
    if (backend != null) {
      s.backends.add(backend);
    }
    s.uses.add(new Use(backend, model, inTokens, outTokens, audioSeconds, chars));
  }

  public void tokens(long in, long out) {
    inputTokens += in;
    outputTokens += out;
  }

  /**
   * Backend {@code backend} spoke {@code text} with {@code model} in full: counted as the router bills a speech request
   * it served, by the characters of its input (UTF-16 units, as the router counts them). Speech the call cancelled
   * first is not counted: the router's record of it says CANCELLED and bills nothing. Speech whose end was on its way
   * when the call cancelled is counted: the router relayed that end and bills it in full. Nor is speech the router answered
   * from its exact cache ({@code fromCache}): its record is a hit, billed nothing.
   */
  public void spoke(String backend, String model, String text, boolean fromCache) {
    if (fromCache) {
      if (backend != null) {
        stages.get("speech").backends.add(backend);
      }
      return;
    }
    characters += text.length();
    served("speech", backend, model, 0, 0, 0, text.length());
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

  /** The call started in pipeline mode because {@code mode} could not start. */
  public void fellBackFrom(String mode) {
    fallbackFrom = mode;
  }

  /** The first outbound frame of the call left now (the greeting's, usually). */
  public void firstFrame() {
    if (firstFrameMs < 0) {
      firstFrameMs = System.currentTimeMillis() - startedAt;
    }
  }

  /**
   * The call's record: capability null and cost 0 (its stages' records carry the cost), the privacy class of the
   * least private backend any stage used, the chat model, tokens and characters summed, the caller's audio as
   * {@code audio_seconds}, the call's length as {@code latency_ms}, the first outbound frame as {@code first_byte_ms}.
   * Each stage's cost is its usage at the list prices {@code view} has for the backends that served.
   */
  public UsageRecord record(MeshView view, String chatModel, Privacy ceiling, double audioOutSeconds, String endReason,
                            ErrorCode error) {
    List<Privacy> used = new ArrayList<>();
    List<CallUsage.Stage> list = new ArrayList<>();
    stages.forEach((name, s) -> {
      double cost = 0;
      for (Use u : s.uses) {
        cost += view.prices(u.backend, u.model).cost(u.inputTokens, u.outputTokens, u.audioSeconds, u.characters);
        Privacy p = view.privacyOf(u.backend);
        if (p != null) {
          used.add(p);
        }
      }
      list.add(new CallUsage.Stage(name, s.requests, s.failures, s.discarded, List.copyOf(s.backends), cost));
    });
    long duration = System.currentTimeMillis() - startedAt;
    CallUsage usage = new CallUsage(transport, duration, audioInSeconds, audioOutSeconds, turns, bargeIns, ceiling, endReason, list)
      .inMode(VoiceModes.PIPELINE, fallbackFrom);
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
