package io.switchboard.voice.call;

import io.switchboard.voice.VoiceSettings;
import io.switchboard.voice.metrics.VoiceMetrics;
import io.switchboard.voice.vad.VadPool;
import io.vertx.core.Vertx;

/** What every call of a node shares: the settings, the VAD threads, the view of the mesh, the apology, the metrics. */
public record CallServices(Vertx vertx, VoiceSettings settings, VadPool vad, MeshView view, ApologyAudio apology,
                           VoiceMetrics metrics) {
}
