package io.switchboard.voice.mode;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.UsageRecord;
import io.switchboard.api.VoiceModes;
import io.switchboard.voice.call.Call;
import io.switchboard.voice.call.CallOptions;
import io.switchboard.voice.call.CallServices;
import io.switchboard.voice.call.CallSession;
import io.switchboard.voice.realtime.RealtimeCall;
import io.switchboard.voice.realtime.RealtimeSettings;
import io.switchboard.voice.transport.CallTransport;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Starts a call in its mode: asks the {@link ModeSwitch} once (the call keeps that mode to its end), builds a
 * {@link CallSession} for the pipeline or opens a {@link RealtimeCall}; a realtime call that cannot start (no live
 * realtime backend, breakers open, the upstream refusing) starts in the fallback mode instead, and its record says
 * so ({@code fallback_from}); a realtime call whose session fails while it is live continues in the fallback mode
 * ({@link HandoverCall}). Counts starts, fallbacks and ends per mode ({@link ModeMetrics}).
 */
public final class CallModes {

  private static final System.Logger LOG = System.getLogger(CallModes.class.getName());

  private final ModeSwitch modes;
  private final RealtimeSettings realtime;
  private final ModeMetrics metrics;

  public CallModes(ModeSwitch modes, RealtimeSettings realtime, ModeMetrics metrics) {
    this.modes = modes;
    this.realtime = realtime;
    this.metrics = metrics;
  }

  public ModeSwitch modes() {
    return modes;
  }

  /** The call on {@code transport}, in the mode chosen for it now; fails when the call's parameters ask for a mode not allowed. */
  public Future<Call> start(CallServices services, Context context, String callId, String keyId, CallTransport transport,
                            CallOptions options, JsonObject params) {
    ModeSwitch.Choice choice;
    try {
      choice = modes.choose(params);
    } catch (MeshException e) {
      return Future.failedFuture(e);
    }
    if (!choice.mode().equals(VoiceModes.REALTIME)) {
      return Future.succeededFuture(pipeline(services, context, callId, keyId, transport, options, null));
    }
    return RealtimeCall.open(services, realtime, metrics, context, callId, keyId, transport, options).map(call -> {
      metrics.started(VoiceModes.REALTIME); // its end is counted by the call itself, with the session's cost
      if (!VoiceModes.PIPELINE.equals(choice.fallback())) {
        return call;
      }
      return (Call) new HandoverCall((RealtimeCall) call, lost -> {
        LOG.log(System.Logger.Level.WARNING, "call {0}: {1}; continuing in pipeline mode", callId, lost);
        metrics.fallback(VoiceModes.REALTIME, VoiceModes.PIPELINE);
        transport.event(new JsonObject().put("type", "mode.changed").put("mode", VoiceModes.PIPELINE).put("from", VoiceModes.REALTIME)
          .put("reason", lost));
        return pipeline(services, context, callId, keyId, transport, options.withGreeting(realtime.handoverLine()), VoiceModes.REALTIME);
      });
    }).recover(e -> {
      if (!VoiceModes.PIPELINE.equals(choice.fallback())) {
        return Future.failedFuture(e);
      }
      LOG.log(System.Logger.Level.WARNING, "call {0}: realtime mode could not start ({1}); starting in pipeline mode", callId, e.getMessage());
      metrics.fallback(VoiceModes.REALTIME, VoiceModes.PIPELINE);
      return Future.succeededFuture(pipeline(services, context, callId, keyId, transport, options, VoiceModes.REALTIME));
    });
  }

  private Call pipeline(CallServices services, Context context, String callId, String keyId, CallTransport transport,
                        CallOptions options, String fallbackFrom) {
    CallSession session = new CallSession(services, context, callId, keyId, transport, options);
    if (fallbackFrom != null) {
      session.fellBackFrom(fallbackFrom);
    }
    metrics.started(VoiceModes.PIPELINE);
    session.ended().onSuccess(r -> metrics.ended(VoiceModes.PIPELINE, outcome(r), r.latencyMs() / 1000.0,
      r.call() == null ? 0 : r.call().costUsd()));
    return session;
  }

  private static String outcome(UsageRecord r) {
    return r.errorCode() == null ? "ok" : ErrorCode.valueOf(r.errorCode()).openAiCode();
  }
}
