package io.switchboard.bench.voice;

import io.switchboard.core.audio.G711;
import io.switchboard.voice.testkit.Flite;

/**
 * The recorded speech the benchmark's callers replay: a sentence spoken by flite, as Twilio would carry it (μ-law
 * 8 kHz in 160-byte frames), with where the sound really starts and ends in it (the first and last 10 ms whose level
 * is above -50 dBFS: flite's own silence is digital zero, and a word's last consonant fades well below -34 dBFS), so that
 * onset and end of speech are timed from the audio, not from the file's edges.
 */
record Utterance(byte[][] frames, int onsetSample, int endSample) {

  static Utterance speak(String text) {
    return of(Flite.speak(text, 8000));
  }

  static Utterance of(float[] samples8k) {
    int frames = (samples8k.length + 159) / 160;
    byte[][] out = new byte[frames][160];
    for (int f = 0; f < frames; f++) {
      for (int i = 0; i < 160; i++) {
        int at = f * 160 + i;
        out[f][i] = G711.encodeMulaw(at < samples8k.length ? samples8k[at] : 0f);
      }
    }
    int onset = -1;
    int end = -1;
    for (int at = 0; at + 80 <= samples8k.length; at += 80) {
      double sum = 0;
      for (int i = 0; i < 80; i++) {
        sum += samples8k[at + i] * samples8k[at + i];
      }
      if (Math.sqrt(sum / 80) > 0.00316) {
        if (onset < 0) {
          onset = at;
        }
        end = at + 80;
      }
    }
    return new Utterance(out, Math.max(0, onset), Math.max(0, end));
  }

  double seconds() {
    return frames.length * 0.02;
  }
}
