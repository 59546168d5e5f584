package io.switchboard.core.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * A JSON request body that carries the audio as a base64 string (OpenRouter's {@code input_audio.data}, RunPod's
 * {@code input.audio_base64}) without building the whole document as one string: the JSON around the audio is
 * encoded once with a unique placeholder and split there, and the base64 goes between the two halves, encoded a
 * slice at a time as the connection takes it. The audio is read in place; neither it nor its base64 (a third
 * larger) is ever held whole a second time.
 */
public final class Base64Audio {

  private Base64Audio() {
  }

  /** A fresh placeholder to put where the base64 string belongs; no request text can contain it by chance. */
  public static String placeholder() {
    return "audio-" + UUID.randomUUID();
  }

  /** The body as parts to write in order: JSON up to the audio string, the base64, the rest. */
  public static List<BodyPart> jsonBody(JsonObject body, String placeholder, Buffer audio) {
    String json = body.encode();
    String quoted = '"' + placeholder + '"';
    int at = json.indexOf(quoted);
    if (at < 0 || json.indexOf(quoted, at + 1) >= 0) {
      throw new IllegalArgumentException("the body must hold the audio placeholder exactly once");
    }
    return List.of(
      BodyPart.of(Buffer.buffer(json.substring(0, at + 1))),
      part(audio),
      BodyPart.of(Buffer.buffer(json.substring(at + quoted.length() - 1))));
  }

  /** Standard base64 of {@code audio} (padded), produced slice by slice from the audio's own bytes. */
  public static BodyPart part(Buffer audio) {
    long encodedLength = 4L * ((audio.length() + 2) / 3);
    return new BodyPart() {
      @Override
      public long length() {
        return encodedLength;
      }

      @Override
      public Buffer slice(long from, long to) {
        // Output [from, to) with from a multiple of 4 is the encoding of the 3-byte groups from from/4*3 on.
        int start = (int) (from / 4 * 3);
        int end = to == encodedLength ? audio.length() : (int) (to / 4 * 3);
        return Buffer.buffer(Base64.getEncoder().encode(audio.getBytes(start, end)));
      }
    };
  }
}
