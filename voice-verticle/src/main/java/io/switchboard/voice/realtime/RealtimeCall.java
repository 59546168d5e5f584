package io.switchboard.voice.realtime;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.RouteHints;
import io.switchboard.api.Usage;
import io.switchboard.api.UsageRecord;
import io.switchboard.api.VoiceModes;
import io.switchboard.core.realtime.RealtimeLink;
import io.switchboard.voice.VoiceSettings;
import io.switchboard.voice.audio.Playout;
import io.switchboard.voice.call.Call;
import io.switchboard.voice.call.CallLedger;
import io.switchboard.voice.call.CallOptions;
import io.switchboard.voice.call.CallServices;
import io.switchboard.voice.call.CallStatus;
import io.switchboard.voice.mode.ModeMetrics;
import io.switchboard.voice.transport.CallTransport;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.Base64;

/**
 * A call in realtime mode: its audio relayed to one speech-to-speech session opened through the router
 * ({@link RealtimeLink}), the model's audio paced out through the call's {@link Playout} item by item
 * ({@link ItemPlayback}). The session's server VAD takes the turns; on its {@code speech_started} while the agent is
 * heard, the call sends {@code conversation.item.truncate} with what the caller heard of the item and clears the
 * client's buffer ({@code clear} to Twilio), so the model's history holds only what was played. The session ending on
 * its own (cut, expired) ends the call with the reason. On the socket's context.
 */
public final class RealtimeCall implements Call {

  private static final System.Logger LOG = System.getLogger(RealtimeCall.class.getName());

  private final CallServices services;
  private final VoiceSettings settings;
  private final Context context;
  private final String callId;
  private final String keyId;
  private final CallTransport transport;
  private final CallOptions options;
  private final ModeMetrics modeMetrics;
  private final Playout playout;
  private final ItemPlayback playback;
  private final RealtimeAudio audio;
  private final Promise<UsageRecord> ended = Promise.promise();
  private final RealtimeCallRecord record;
  private final CallStatus status;
  private RealtimeLink link;
  private int silenceMs;
  private long maxTimer = -1;
  private long speechStoppedAt = -1;
  private boolean ending;
  private Handler<String> onLost;

  private RealtimeCall(CallServices services, Context context, String callId, String keyId, CallTransport transport,
                       CallOptions options, ModeMetrics modeMetrics) {
    this.services = services;
    this.settings = services.settings();
    this.context = context;
    this.callId = callId;
    this.keyId = keyId;
    this.transport = transport;
    this.options = options;
    this.modeMetrics = modeMetrics;
    this.playout = new Playout(services.vertx(), transport.outputFormat(), settings.leadMs(), transport, RealtimeCall::now);
    if (transport.echoesMarks()) {
      playout.trustMarks();
    }
    this.playback = new ItemPlayback(playout);
    this.audio = new RealtimeAudio(transport.inputRate(), transport.outputFormat());
    this.record = new RealtimeCallRecord(callId, transport.kind(), keyId, options.privacy());
    this.status = new CallStatus(callId, transport.kind(), VoiceModes.REALTIME);
  }

  /**
   * Opens the call's session through the router; fails (the router's error: no realtime backend, breaker open,
   * refused upstream) when it cannot start, so the call can start in the fallback mode instead.
   */
  public static Future<Call> open(CallServices services, RealtimeSettings rs, ModeMetrics modeMetrics, Context context, String callId,
                                  String keyId, CallTransport transport, CallOptions options) {
    RealtimeCall call = new RealtimeCall(services, context, callId, keyId, transport, options, modeMetrics);
    call.silenceMs = rs.silenceDurationMs();
    JsonObject session = rs.session(call.audio.format(), options.systemPrompt(), null);
    RouteHints hints = new RouteHints(options.privacy(), options.strategy(), null, null, null);
    return RealtimeLink.open(services.vertx(), rs.model(), session, hints, keyId, rs.openTimeoutMs(), call::fromSession)
      .map(link -> {
        call.link = link;
        call.record.backend(link.backend());
        link.ended().onComplete(ar -> call.sessionEnded(ar.result()));
        return call;
      });
  }

  /**
   * What to do when the session fails while the call is live (its node died, the upstream cut it, it expired): this
   * leg ends without closing the socket (its record says why) and {@code handler} gets the reason, to continue the
   * call in the fallback mode. Without one, such a call ends with the reason.
   */
  public RealtimeCall onLost(Handler<String> handler) {
    this.onLost = handler;
    return this;
  }

  /** The mode this call wanted and could not start in, for its record. */
  public RealtimeCall fellBackFrom(String mode) {
    record.fallbackFrom(mode);
    return this;
  }

  @Override
  public String callId() {
    return callId;
  }

  @Override
  public Future<UsageRecord> ended() {
    return ended.future();
  }

  @Override
  public CallStatus status() {
    return status;
  }

  @Override
  public void start() {
    maxTimer = services.vertx().setTimer(settings.maxCallMs(), t -> end("maximum call length reached", (short) 1000, null));
    playout.onFirstFrame(record::firstFrame);
    transport.event(new JsonObject().put("type", "session.started").put("call_id", callId).put("mode", VoiceModes.REALTIME)
      .put("sample_rate", transport.inputRate()).put("output_sample_rate", transport.outputFormat().sampleRate()));
    if (options.greeting() != null && !options.greeting().isBlank()) {
      link.send(new JsonObject().put("type", "response.create").put("response", new JsonObject()
        .put("instructions", "Greet the caller with exactly these words: " + options.greeting())));
    }
  }

  @Override
  public void audio(float[] samples) {
    if (ending) {
      return;
    }
    record.audioIn(RealtimeAudio.seconds(samples, transport.inputRate()));
    link.send("{\"type\":\"input_audio_buffer.append\",\"audio\":\"" + Base64.getEncoder().encodeToString(audio.toSession(samples)) + "\"}");
  }

  @Override
  public void marked(String name) {
    playout.confirmed(name);
  }

  @Override
  public void marksEchoed() {
    playout.trustMarks();
  }

  /** One server event of the session (JSON text), on this call's context. */
  private void fromSession(String json) {
    if (ending) {
      return;
    }
    JsonObject e = new JsonObject(json);
    switch (e.getString("type", "")) {
      case "response.output_audio.delta" -> {
        status.stage("speaking");
        if (speechStoppedAt >= 0) {
          long stopped = speechStoppedAt;
          speechStoppedAt = -1;
          playout.onFirstFrame(() -> firstFrame(stopped));
        }
        playback.audio(e.getString("item_id", ""), audio.toCall(Base64.getDecoder().decode(e.getString("delta", ""))));
      }
      case "response.output_audio.done" -> playback.flush();
      case "input_audio_buffer.speech_started" -> {
        status.stage("listening");
        transport.event(new JsonObject().put("type", "speech.started"));
        bargeIn();
      }
      case "input_audio_buffer.speech_stopped" -> {
        // The server VAD waited its silence before saying so: the caller stopped that long ago.
        speechStoppedAt = now() - silenceMs;
        transport.event(new JsonObject().put("type", "speech.stopped"));
      }
      case "conversation.item.input_audio_transcription.completed" -> {
        status.turns(record.turn());
        transport.event(new JsonObject().put("type", "transcript").put("text", e.getString("transcript", "")));
      }
      case "response.output_audio_transcript.delta" ->
        transport.event(new JsonObject().put("type", "response.text.delta").put("delta", e.getString("delta", "")));
      case "response.done" -> transport.event(audioDone(Usage.ofResponseDone(e)));
      case "error" -> {
        JsonObject error = e.getJsonObject("error", new JsonObject());
        LOG.log(System.Logger.Level.WARNING, "call {0}: realtime error: {1} ({2})", callId, error.getString("message"), error.getString("code"));
        transport.event(new JsonObject().put("type", "error").put("error", error));
      }
      default -> { }
    }
  }

  /**
   * The call's {@code response.audio.done}, with the session's token counts in the shape the pipeline mode gives them
   * ({@code usage}: {@code input_tokens}, {@code output_tokens}) so a client reads one shape in either mode; the
   * session's audio/text/cached details have no place in it. No {@code usage} when the session reported none; a count
   * that is not a number is 0.
   */
  private static JsonObject audioDone(Usage sessionUsage) {
    JsonObject done = new JsonObject().put("type", "response.audio.done");
    if (sessionUsage != null) {
      done.put("usage", sessionUsage.toInputOutputJson());
    }
    return done;
  }

  /** The caller speaks over the agent: keep in the model's history only what was heard, and stop the playback. */
  private void bargeIn() {
    String item = playback.item();
    if (item == null || !playout.busy()) {
      return;
    }
    long heard = playback.heardMs();
    link.send(new JsonObject().put("type", "conversation.item.truncate").put("item_id", item).put("content_index", 0)
      .put("audio_end_ms", heard));
    playout.clear();
    playback.cleared();
    record.bargeIn();
    services.metrics().bargeIn();
    LOG.log(System.Logger.Level.DEBUG, "call {0}: barge-in; item {1} truncated at {2} ms", callId, item, heard);
  }

  private void firstFrame(long speechStopped) {
    long v2v = now() - speechStopped;
    modeMetrics.voiceToVoice(VoiceModes.REALTIME, v2v);
    status.turnReported(new JsonObject().put("voice_to_voice_ms", v2v));
    transport.event(new JsonObject().put("type", "turn.metrics").put("mode", VoiceModes.REALTIME).put("voice_to_voice_ms", v2v));
  }

  /** The play clock, as the pipeline's (monotonic milliseconds). */
  private static long now() {
    return System.nanoTime() / 1_000_000;
  }

  /** On the call's event loop (the link's consumer is the call's), before the record waiting on the same end is built. */
  private void sessionEnded(RealtimeLink.End end) {
    record.session(end.usage(), end.error() != null);
    if (ending) {
      return;
    }
    String reason = "realtime session ended: " + end.reason();
    if (end.error() != null && onLost != null) {
      if (playout.busy()) {
        playout.clear(); // the client drops what it holds of the lost session's answer
      }
      finish(reason + "; the call continues in the fallback mode", (short) 0, end.error(), false);
      onLost.handle(reason);
    } else {
      end(reason, end.error() == null ? (short) 1000 : (short) 1011, end.error());
    }
  }

  @Override
  public void end(String reason, short status, ErrorCode error) {
    if (!context.equals(Vertx.currentContext())) {
      context.runOnContext(v -> end(reason, status, error));
      return;
    }
    finish(reason, status, error, true);
  }

  /** Ends this call, or only its realtime leg ({@code closeSocket} false: the socket stays for the fallback mode). */
  private void finish(String reason, short status, ErrorCode error, boolean closeSocket) {
    if (ending) {
      return;
    }
    ending = true;
    this.status.stage("ending");
    services.vertx().cancelTimer(maxTimer);
    playout.close();
    link.end(reason);
    if (closeSocket) {
      transport.event(new JsonObject().put("type", "session.ended").put("reason", reason));
      transport.close(status, reason);
    }
    LOG.log(System.Logger.Level.INFO, "call {0} ({1}, realtime on {2}) ended: {3}", callId, transport.kind(), link.backend(), reason);
    String outcome = error == null ? "ok" : error.openAiCode();
    services.metrics().callEnded(transport.kind(), outcome);
    double audioOut = playout.sentMs() / 1000.0;
    // The session's usage comes with its end; a session that never says it ended does not hold the record back.
    Future<Object> quiet = Future.future(p -> services.vertx().setTimer(3000, t -> p.tryComplete()));
    Future.any(link.ended(), quiet).onComplete(v -> {
      services.view().backends().onComplete(b -> {
        UsageRecord r = record.build(services.view(), audioOut, reason, error);
        modeMetrics.ended(VoiceModes.REALTIME, outcome, r.latencyMs() / 1000.0, r.call().costUsd());
        CallLedger.send(services.vertx(), r, 2000).onComplete(x -> ended.complete(r));
      });
    });
  }
}
