package io.switchboard.voice.transport;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.util.Base64;

/**
 * Twilio Media Streams messages, read strictly: JSON text frames with an {@code event} of {@code connected},
 * {@code start}, {@code media}, {@code mark}, {@code dtmf} or {@code stop}; numbers arrive as strings and are not
 * needed here. Anything else is a {@link ProtocolException} naming what is wrong. Also writes the three messages
 * sent back: {@code media}, {@code mark}, {@code clear}.
 */
final class TwilioMessages {

  /** The largest text frame taken (a 20 ms media message is about 300 bytes; Twilio never sends 64 KiB). */
  static final int MAX_TEXT = 64 * 1024;
  /** The most audio one media message may carry: one second of μ-law. */
  static final int MAX_PAYLOAD = 8000;

  private TwilioMessages() {
  }

  static JsonObject parse(String text) {
    if (text.length() > MAX_TEXT) {
      throw new ProtocolException(ProtocolException.TOO_BIG, "message of " + text.length() + " characters (at most " + MAX_TEXT + ")");
    }
    Object value;
    try {
      value = io.vertx.core.json.Json.decodeValue(text);
    } catch (DecodeException e) {
      throw new ProtocolException(ProtocolException.INVALID, "message is not JSON");
    }
    if (!(value instanceof JsonObject json)) {
      throw new ProtocolException(ProtocolException.INVALID, "message is not a JSON object");
    }
    if (!(json.getValue("event") instanceof String)) {
      throw new ProtocolException(ProtocolException.POLICY, "message has no event");
    }
    return json;
  }

  /** The object field {@code name} of {@code json}; a protocol error when it is missing or not an object. */
  static JsonObject object(JsonObject json, String name) {
    if (!(json.getValue(name) instanceof JsonObject o)) {
      throw new ProtocolException(ProtocolException.POLICY, json.getString("event") + " message without a '" + name + "' object");
    }
    return o;
  }

  /** The string field {@code name}; a protocol error when missing, blank or not a string. */
  static String string(JsonObject json, String name, String where) {
    if (!(json.getValue(name) instanceof String s) || s.isBlank() || s.length() > 256) {
      throw new ProtocolException(ProtocolException.POLICY, where + " without a valid '" + name + "'");
    }
    return s;
  }

  /** Checks {@code start.mediaFormat}: Twilio streams μ-law at 8 kHz, mono; anything else is not Twilio's. */
  static void checkFormat(JsonObject start) {
    JsonObject f = object(start, "mediaFormat");
    Object rate = f.getValue("sampleRate");
    Object channels = f.getValue("channels");
    if (!"audio/x-mulaw".equals(f.getString("encoding")) || !"8000".equals(String.valueOf(rate)) || !"1".equals(String.valueOf(channels))) {
      throw new ProtocolException(ProtocolException.UNSUPPORTED, "unsupported media format " + f.encode() + " (audio/x-mulaw, 8000, 1)");
    }
  }

  /** The μ-law bytes of a media message's payload. */
  static byte[] payload(JsonObject media) {
    String payload = string(media, "payload", "media", Integer.MAX_VALUE);
    if (payload.length() > MAX_PAYLOAD * 4 / 3 + 4) {
      throw new ProtocolException(ProtocolException.TOO_BIG, "media payload of " + payload.length() + " base64 characters (at most "
        + MAX_PAYLOAD + " bytes of audio)");
    }
    try {
      return Base64.getDecoder().decode(payload);
    } catch (IllegalArgumentException e) {
      throw new ProtocolException(ProtocolException.INVALID, "media payload is not valid base64");
    }
  }

  private static String string(JsonObject json, String name, String where, int max) {
    if (!(json.getValue(name) instanceof String s) || s.length() > max) {
      throw new ProtocolException(ProtocolException.POLICY, where + " without a valid '" + name + "'");
    }
    return s;
  }

  static String media(String streamSid, byte[] frame) {
    return new JsonObject().put("event", "media").put("streamSid", streamSid)
      .put("media", new JsonObject().put("payload", Base64.getEncoder().encodeToString(frame))).encode();
  }

  static String mark(String streamSid, String name) {
    return new JsonObject().put("event", "mark").put("streamSid", streamSid).put("mark", new JsonObject().put("name", name)).encode();
  }

  static String clear(String streamSid) {
    return new JsonObject().put("event", "clear").put("streamSid", streamSid).encode();
  }
}
