package io.switchboard.voice.call;

import io.switchboard.voice.VoiceSettings;
import io.switchboard.voice.audio.Playout;

/**
 * Whether caller speech should stop the agent: barge-in is on, the agent is answering (a stage is working on the
 * turn, or its audio is queued or playing), and its audio has been playing longer than the echo guard (the agent's
 * own voice coming back over a speakerphone is most likely in its first moments; speech that began inside the
 * guard and goes on past it interrupts when the guard ends).
 */
final class BargeIn {

  private final boolean enabled;
  private final long echoGuardMs;
  private final Playout playout;

  BargeIn(VoiceSettings settings, Playout playout) {
    this.enabled = settings.bargeIn();
    this.echoGuardMs = settings.echoGuardMs();
    this.playout = playout;
  }

  boolean shouldInterrupt(boolean producing, long nowMs) {
    if (!enabled || !(producing || playout.busy())) {
      return false;
    }
    long since = playout.audibleSince();
    return since < 0 || nowMs - since >= echoGuardMs;
  }
}
