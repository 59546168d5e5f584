package io.switchboard.asr.openai;

import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonObject;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * A JSON request body that carries the audio as a base64 string (OpenRouter's {@code input_audio.data}, RunPod's
 * {@code input.audio_base64}) without building the whole document as one string: the JSON around the audio is
 * encoded once with a unique placeholder and split there, and the base64 bytes go between the two halves. The
 * audio is read from the message buffer in place and encoded once; nothing else copies it.
 */
public final class Base64Audio {

  private Base64Audio() {
  }

  /** A fresh placeholder to put where the base64 string belongs; no request text can contain it by chance. */
  public static String placeholder() {
    return "audio-" + UUID.randomUUID();
  }

  /** The body as buffers to write in order: JSON up to the audio string, the base64, the rest. */
  public static List<Buffer> jsonBody(JsonObject body, String placeholder, Buffer audio) {
    String json = body.encode();
    String quoted = '"' + placeholder + '"';
    int at = json.indexOf(quoted);
    if (at < 0 || json.indexOf(quoted, at + 1) >= 0) {
      throw new IllegalArgumentException("the body must hold the audio placeholder exactly once");
    }
    return List.of(
      Buffer.buffer(json.substring(0, at + 1)),
      encode(audio),
      Buffer.buffer(json.substring(at + quoted.length() - 1)));
  }

  /** Standard base64 of {@code audio}, read in place (no intermediate byte[] of the audio). */
  public static Buffer encode(Buffer audio) {
    ByteBuffer source = ((BufferInternal) audio).getByteBuf().nioBuffer();
    return BufferInternal.buffer(Unpooled.wrappedBuffer(Base64.getEncoder().encode(source)));
  }
}
