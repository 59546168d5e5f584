package io.switchboard.voice.transport;

import io.switchboard.voice.call.Call;

import java.util.ArrayDeque;

/**
 * Caller audio that arrives while the call is still being opened (its key checked over the bus): kept, up to two
 * seconds of 20 ms frames (the oldest dropped beyond), and handed to the session once it exists.
 */
final class EarlyAudio {

  private static final int MAX_FRAMES = 100;

  private final ArrayDeque<float[]> frames = new ArrayDeque<>();

  void add(float[] samples) {
    if (frames.size() == MAX_FRAMES) {
      frames.poll();
    }
    frames.add(samples);
  }

  void replay(Call session) {
    while (!frames.isEmpty()) {
      session.audio(frames.poll());
    }
  }
}
