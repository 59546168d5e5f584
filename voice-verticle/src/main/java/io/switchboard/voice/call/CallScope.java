package io.switchboard.voice.call;

import io.switchboard.api.Capability;
import io.switchboard.voice.audio.Playout;
import io.switchboard.voice.metrics.VoiceMetrics;
import io.switchboard.voice.transport.CallTransport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.Set;

/** What the stages of one call share: its settings, its bus client, its playout, its accounting, the node's helpers. */
record CallScope(Vertx vertx, String callId, CallOptions options, StageClient stages, Playout playout, CallTransport transport,
                 MeshView view, CallLedger ledger, ApologyAudio apology, VoiceMetrics metrics, SpeechFormats formats) {

  /**
   * The backend a stage goes on with after one of its {@code capability} streams was cut part-way (the router retries
   * a stream only before it delivered anything): the first healthy one for {@code model} within the call's privacy that
   * is not in {@code cut}; null when none is left or the mesh cannot say.
   */
  Future<String> nextBackend(Capability capability, String model, Set<String> cut) {
    return view.alternative(capability, model, options.privacy(), cut).otherwise((String) null);
  }
}
