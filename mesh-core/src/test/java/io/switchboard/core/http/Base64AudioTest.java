package io.switchboard.core.http;

import io.switchboard.core.testkit.TestAudio;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The base64 body, made slice by slice as a connection would take it, is exactly the standard encoding. */
class Base64AudioTest {

  /** What a connection receives: every part, in {@link BodyPart#SLICE} pieces, joined. */
  static Buffer written(List<BodyPart> parts) {
    Buffer out = Buffer.buffer();
    for (BodyPart p : parts) {
      for (long at = 0; at < p.length(); at = Math.min(p.length(), at + BodyPart.SLICE)) {
        out.appendBuffer(p.slice(at, Math.min(p.length(), at + BodyPart.SLICE)));
      }
    }
    return out;
  }

  static Buffer random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return Buffer.buffer(b);
  }

  @Test
  void everyLengthEncodesAsTheStandardEncoder() {
    for (int n = 0; n <= 20; n++) {
      Buffer audio = random(n);
      assertEquals(Base64.getEncoder().encodeToString(audio.getBytes()), written(List.of(Base64Audio.part(audio))).toString(), "n=" + n);
    }
  }

  /** Several slices, over an audio buffer whose blocks do not line up with the 3-byte groups. */
  @Test
  void aLargeBlockBufferEncodesExactly() {
    Buffer audio = random(3 * BodyPart.SLICE + 1_000_001);
    String expected = Base64.getEncoder().encodeToString(audio.getBytes());
    assertEquals(expected, written(List.of(Base64Audio.part(TestAudio.inBlocks(audio, 1 << 20)))).toString());
    assertEquals(expected.length(), Base64Audio.part(audio).length());
  }

  @Test
  void theJsonBodyIsTheDocumentWithTheAudioInPlace() {
    Buffer audio = random(100_000);
    String placeholder = Base64Audio.placeholder();
    JsonObject body = new JsonObject().put("input", new JsonObject().put("audio_base64", placeholder).put("model", "small"));
    JsonObject sent = new JsonObject(written(Base64Audio.jsonBody(body, placeholder, audio)));
    assertEquals(audio, Buffer.buffer(Base64.getDecoder().decode(sent.getJsonObject("input").getString("audio_base64"))));
    assertEquals("small", sent.getJsonObject("input").getString("model"));
  }
}
