package io.switchboard.voice.realtime;

import io.switchboard.voice.audio.OutputFormat;
import io.switchboard.voice.audio.Pcm16;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** A Twilio call's audio crosses a realtime session untouched; a plain call's is resampled to and from 24 kHz. */
class RealtimeAudioTest {

  @Test
  void twilioMulawGoesUpAsTheSameBytesAndComesDownUntouched() {
    RealtimeAudio audio = new RealtimeAudio(8000, OutputFormat.TWILIO);
    assertEquals("audio/pcmu", audio.format().getString("type"));
    byte[] all = new byte[256];
    for (int i = 0; i < 256; i++) {
      all[i] = (byte) i;
    }
    byte[] up = audio.toSession(Pcm16.decodeMulaw(all, 0, all.length));
    for (int i = 0; i < 256; i++) {
      // μ-law has two codes for zero (0x7F and 0xFF): both are silence, the one the encoder writes is 0xFF.
      assertEquals(i == 0x7F ? (byte) 0xFF : all[i], up[i], "code " + i);
    }
    assertSame(all, audio.toCall(all), "the model's μ-law is passed on as it came");
  }

  @Test
  void plainCallsAreResampledToAndFrom24kHz() {
    RealtimeAudio audio = new RealtimeAudio(16_000, OutputFormat.pcm(16_000));
    assertEquals(24_000, audio.format().getInteger("rate"));
    float[] second = new float[16_000];
    assertEquals(24_000 * 2, audio.toSession(second).length + audio.toSession(new float[0]).length, 500,
      "a second of audio is a second at 24 kHz (less the resampler's few samples held back)");
    byte[] down = audio.toCall(new byte[48_000]);
    assertEquals(16_000, down.length / 2, 250);
    assertArrayEquals(new byte[down.length], down);
  }
}
