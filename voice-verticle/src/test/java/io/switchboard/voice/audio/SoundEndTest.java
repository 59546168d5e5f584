package io.switchboard.voice.audio;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SoundEndTest {

  @Test
  void theEndOfTheLastBlockAboveTheQuietLevel() {
    SoundEnd s = new SoundEnd(-50);
    float[] loud = new float[480];
    java.util.Arrays.fill(loud, 0.1f);
    s.push(loud);
    s.push(new float[100]);
    assertEquals(480, s.end());
    float[] faint = new float[600];
    java.util.Arrays.fill(faint, 0.001f); // -60 dBFS: quiet
    s.push(faint);
    assertEquals(480, s.end());
    assertEquals(Long.MAX_VALUE, new SoundEnd(0).end(), "off: never quiet");
  }
}
