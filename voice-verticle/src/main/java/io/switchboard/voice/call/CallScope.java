package io.switchboard.voice.call;

import io.switchboard.voice.audio.Playout;
import io.switchboard.voice.metrics.VoiceMetrics;
import io.switchboard.voice.transport.CallTransport;
import io.vertx.core.Vertx;

/** What the stages of one call share: its settings, its bus client, its playout, its accounting, the node's helpers. */
record CallScope(Vertx vertx, String callId, CallOptions options, StageClient stages, Playout playout, CallTransport transport,
                 MeshView view, CallLedger ledger, ApologyAudio apology, VoiceMetrics metrics, SpeechFormats formats) {
}
