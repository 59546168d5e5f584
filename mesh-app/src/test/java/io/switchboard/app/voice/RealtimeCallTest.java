package io.switchboard.app.voice;

import io.switchboard.core.testkit.realtime.FakeRealtimeServer;
import io.switchboard.core.testkit.realtime.FakeRealtimeSession;
import io.switchboard.core.testkit.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Twilio Media Streams call in realtime mode on a whole node: the router opens the session on the real
 * {@code openai-realtime} adapter, against the fake Realtime server (GA protocol). The caller's μ-law goes up and the
 * model's comes down as the same bytes ({@code audio/pcmu} both ways), in whole 160-byte frames with marks; a
 * barge-in sends {@code clear} to Twilio and a {@code conversation.item.truncate} whose {@code audio_end_ms} is what
 * the caller's marks say was played; the call's record says realtime, and the session leaves its own priced record.
 * The same over the plain socket, resampled both ways.
 */
class RealtimeCallTest extends CallFixture {

  private FakeRealtimeServer fake;
  private VoiceNode node;

  @BeforeEach
  void start() throws Exception {
    fake = FakeRealtimeServer.start(client).await(10, TimeUnit.SECONDS).requireKey(Realtime.KEY);
    fake.script().responseMs = 4000;
    node = VoiceNode.start(vertx, new JsonArray().add(Realtime.backend("rt", fake, 10)),
      new JsonObject().put("mode", "realtime").put("fallback_mode", "pipeline"), dir, Map.of(Realtime.KEY_ENV, Realtime.KEY));
  }

  @Test
  void twilioCallInRealtimeModeRoundTripsAudioAndBargeInTruncatesToWhatWasPlayed() throws Exception {
    TwilioCaller caller = TwilioCaller.connect(client, node.port, new JsonObject()).await(10, TimeUnit.SECONDS);
    Await.until("the session opened", () -> fake.last() != null && !fake.last().received("session.update").isEmpty());
    FakeRealtimeSession session = fake.last();
    JsonObject audio = session.received("session.update").get(0).getJsonObject("session").getJsonObject("audio");
    assertEquals("audio/pcmu", audio.getJsonObject("input").getJsonObject("format").getString("type"));
    assertEquals("audio/pcmu", audio.getJsonObject("output").getJsonObject("format").getString("type"));
    assertEquals("server_vad", audio.getJsonObject("input").getJsonObject("turn_detection").getString("type"));

    caller.say(Realtime.tone(8000, 600));
    Await.until("the model's first audio at the caller", () -> caller.frames().size() >= 10);
    assertEquals("hello there", session.sent("conversation.item.input_audio_transcription.completed").get(0).getString("transcript"));
    byte[] sentByModel = deltas(session, 10 * 160);
    byte[] heard = concat(caller.frames().subList(0, 10));
    assertArrayEquals(Arrays.copyOf(sentByModel, heard.length), heard, "the model's μ-law reaches Twilio untouched");
    for (byte[] frame : caller.frames()) {
      assertEquals(160, frame.length, "whole 20 ms μ-law frames");
    }

    Await.until("four segments played (their marks echoed)", () -> caller.echoedMarks().size() >= 4);
    long playedBefore = 100L * caller.echoedMarks().size(); // each delta of the fake is 100 ms: one segment, one mark
    caller.say(Realtime.tone(8000, 600));
    Await.until("the truncate on barge-in", () -> !session.received("conversation.item.truncate").isEmpty());
    long receivedMs = 20L * caller.frames().size();
    JsonObject truncate = session.received("conversation.item.truncate").get(0);
    assertEquals("item_a1", truncate.getString("item_id"));
    assertEquals(0, truncate.getInteger("content_index"));
    long endMs = truncate.getLong("audio_end_ms");
    assertTrue(endMs >= playedBefore && endMs <= receivedMs,
      "audio_end_ms " + endMs + " is what was played: at least the " + playedBefore + " ms whose marks came back, at most the "
        + receivedMs + " ms sent");
    Await.until("clear to Twilio", () -> !caller.events("clear").isEmpty());
    Await.until("the server's truncated", () -> !session.sent("conversation.item.truncated").isEmpty());
    assertTrue(session.sent("error").isEmpty(), "no error from the server: " + session.sent("error"));

    caller.hangUp();
    Await.until("the call's record", () -> !node.callRecords().isEmpty());
    JsonObject call = node.callRecords().get(0).getJsonObject("call");
    assertEquals("realtime", call.getString("mode"), call.encodePrettily());
    assertEquals(1, call.getInteger("barge_ins"));
    JsonObject stage = call.getJsonArray("stages").getJsonObject(0);
    assertEquals("realtime", stage.getString("stage"));
    assertEquals(List.of("rt"), stage.getJsonArray("backends").getList());
    assertTrue(stage.getDouble("cost_usd") > 0, stage.encode());
    Await.until("the session's own priced record", () -> node.usage.stream().anyMatch(r -> "realtime".equals(r.getString("capability")) && r.getDouble("cost_usd") > 0));
    JsonObject sessionRecord = node.usage.stream().filter(r -> "realtime".equals(r.getString("capability")) && r.getDouble("cost_usd") > 0)
      .findFirst().orElseThrow();
    assertNotNull(sessionRecord.getString("backend"));
    assertTrue(sessionRecord.getDouble("audio_seconds") > 1, sessionRecord.encode());
  }

  /** The first {@code n} bytes of the model's audio deltas, decoded. */
  private static byte[] deltas(FakeRealtimeSession s, int n) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (JsonObject d : s.sent("response.output_audio.delta")) {
      out.writeBytes(Base64.getDecoder().decode(d.getString("delta")));
      if (out.size() >= n) {
        break;
      }
    }
    return out.toByteArray();
  }

  private static byte[] concat(List<byte[]> frames) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    frames.forEach(out::writeBytes);
    return out.toByteArray();
  }

  /**
   * A plain-socket call ({@code /v1/voice/stream}, 16-bit PCM at 16 kHz) in realtime mode: the caller's 16 kHz goes up
   * as {@code audio/pcm} at 24 kHz (a 300 Hz tone is still 300 Hz there: resampled, not relabelled), the model's 24 kHz
   * comes down at 16 kHz in 20 ms frames (its 440 Hz tone still 440 Hz), the session's events come out as the socket's
   * events, and a barge-in clears the client's audio and truncates the item at what the play clock says was heard: no
   * more than what was sent, no less than that minus the output lead.
   */
  @Test
  void plainSocketInRealtimeModeResamplesBothWaysRelaysEventsAndBargeInTruncatesToWhatWasPlayed() throws Exception {
    fake.script().responseMs = 5000;
    StreamCaller caller = StreamCaller.connect(client, node.port, 16_000, new JsonObject()).await(10, TimeUnit.SECONDS);
    Await.until("session.started", () -> !caller.events("session.started").isEmpty());
    JsonObject started = caller.events("session.started").get(0);
    assertEquals("realtime", started.getString("mode"));
    int outRate = started.getInteger("output_sample_rate");
    assertEquals(16_000, outRate);
    Await.until("the session opened", () -> fake.last() != null && !fake.last().received("session.update").isEmpty());
    FakeRealtimeSession session = fake.last();
    JsonObject audio = session.received("session.update").get(0).getJsonObject("session").getJsonObject("audio");
    JsonObject pcm24k = new JsonObject().put("type", "audio/pcm").put("rate", 24_000);
    assertEquals(pcm24k, audio.getJsonObject("input").getJsonObject("format"));
    assertEquals(pcm24k, audio.getJsonObject("output").getJsonObject("format"));

    caller.say(Realtime.tone(16_000, 600));
    Await.until("speech.started", () -> !caller.events("speech.started").isEmpty());
    Await.until("the transcript", () -> !caller.events("transcript").isEmpty());
    assertEquals("hello there", caller.events("transcript").get(0).getString("text"));
    Await.until("speech.stopped", () -> !caller.events("speech.stopped").isEmpty());
    short[] up = loud(appended(session));
    assertTrue(up.length >= 24_000 * 55 / 100, "about 600 ms of the tone at 24 kHz: " + up.length + " samples");
    double upHz = hertz(up, 24_000);
    assertTrue(Math.abs(upHz - 300) < 15, "the caller's 300 Hz tone reaches the session at 24 kHz as 300 Hz: " + upHz);

    Await.until("a second of the model's audio", () -> caller.audioMs(outRate) > 1000);
    for (Buffer frame : caller.audio()) {
      assertEquals(640, frame.length(), "20 ms of 16-bit PCM at 16 kHz a frame");
    }
    double downHz = hertz(pcm(caller.audio()), outRate);
    assertTrue(Math.abs(downHz - 440) < 15, "the model's 440 Hz at 24 kHz reaches the caller at 16 kHz as 440 Hz: " + downHz);
    assertTrue(!caller.events("response.text.delta").isEmpty(), "the model's transcript deltas come out");
    Await.until("turn.metrics", () -> !caller.events("turn.metrics").isEmpty());
    assertEquals("realtime", caller.events("turn.metrics").get(0).getString("mode"));

    caller.say(Realtime.tone(16_000, 600));
    Await.until("the truncate on barge-in", () -> !session.received("conversation.item.truncate").isEmpty());
    long sentMs = caller.audioMs(outRate);
    JsonObject truncate = session.received("conversation.item.truncate").get(0);
    assertEquals("item_a1", truncate.getString("item_id"));
    long endMs = truncate.getLong("audio_end_ms");
    // The socket gets audio at most output.lead_ms (120) ahead of the play clock; allow a few frames of scheduling.
    assertTrue(endMs <= sentMs && endMs >= sentMs - 120 - 100,
      "audio_end_ms " + endMs + " is what the play clock says was heard of the " + sentMs + " ms sent");
    Await.until("audio.clear to the client", () -> !caller.events("audio.clear").isEmpty());
    Await.until("the server's truncated", () -> !session.sent("conversation.item.truncated").isEmpty());
    assertTrue(session.sent("error").isEmpty(), "no error from the server: " + session.sent("error"));

    caller.stop();
    assertEquals((short) 1000, caller.closed().await(10, TimeUnit.SECONDS));
    Await.until("the call's record", () -> !node.callRecords().isEmpty());
    JsonObject call = node.callRecords().get(0).getJsonObject("call");
    assertEquals("realtime", call.getString("mode"), call.encodePrettily());
    assertEquals("stream", call.getString("transport"));
    assertEquals(1, call.getInteger("barge_ins"));
    assertEquals(List.of("rt"), call.getJsonArray("stages").getJsonObject(0).getJsonArray("backends").getList());
    Await.until("the session's own priced record",
      () -> node.usage.stream().anyMatch(r -> "realtime".equals(r.getString("capability")) && r.getDouble("cost_usd") > 0));
  }

  /**
   * The session's {@code response.done} usage (as OpenAI's server sends it, with audio/text details) reaches the caller
   * as the pipeline mode's {@code response.audio.done} usage: input and output tokens, nothing else.
   */
  @Test
  void theSessionsTokenCountsReachResponseAudioDone() throws Exception {
    fake.script().responseMs = 600;
    StreamCaller caller = StreamCaller.connect(client, node.port, 16_000, new JsonObject()).await(10, TimeUnit.SECONDS);
    Await.until("session.started", () -> !caller.events("session.started").isEmpty());
    Await.until("the session opened", () -> fake.last() != null && !fake.last().received("session.update").isEmpty());
    FakeRealtimeSession session = fake.last();
    caller.say(Realtime.tone(16_000, 600));
    Await.until("response.audio.done", () -> !caller.events("response.audio.done").isEmpty());
    JsonObject upstream = session.sent("response.done").get(0).getJsonObject("response");
    assertEquals("completed", upstream.getString("status"));
    JsonObject sent = upstream.getJsonObject("usage");
    assertTrue(sent.getLong("output_tokens") > 0 && sent.containsKey("input_token_details"), sent.encode());
    assertEquals(new JsonObject().put("input_tokens", sent.getLong("input_tokens")).put("output_tokens", sent.getLong("output_tokens")),
      caller.events("response.audio.done").get(0).getJsonObject("usage"));
    caller.stop();
    assertEquals((short) 1000, caller.closed().await(10, TimeUnit.SECONDS));
  }

  /**
   * A {@code response.done} whose usage counts are not numbers (a malformed upstream) does not break the call: the
   * caller still gets {@code response.audio.done}, with the counts it could not read as 0, and the call goes on.
   */
  @Test
  void aMalformedSessionUsageDoesNotBreakTheCall() throws Exception {
    fake.script().responseMs = 600;
    fake.script().usage = new JsonObject().put("input_tokens", "120").put("output_tokens", new JsonObject().put("audio", 5));
    StreamCaller caller = StreamCaller.connect(client, node.port, 16_000, new JsonObject()).await(10, TimeUnit.SECONDS);
    Await.until("session.started", () -> !caller.events("session.started").isEmpty());
    caller.say(Realtime.tone(16_000, 600));
    Await.until("response.audio.done", () -> !caller.events("response.audio.done").isEmpty());
    assertEquals(new JsonObject().put("input_tokens", 0L).put("output_tokens", 0L),
      caller.events("response.audio.done").get(0).getJsonObject("usage"));
    caller.say(Realtime.tone(16_000, 600));
    Await.until("the next answer", () -> caller.events("response.audio.done").size() >= 2);
    caller.stop();
    assertEquals((short) 1000, caller.closed().await(10, TimeUnit.SECONDS));
  }

  /** Every appended chunk, decoded: 16-bit little-endian PCM. */
  private static short[] appended(FakeRealtimeSession s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (JsonObject a : s.received("input_audio_buffer.append")) {
      out.writeBytes(Base64.getDecoder().decode(a.getString("audio")));
    }
    return shorts(out.toByteArray());
  }

  private static short[] pcm(List<Buffer> frames) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    frames.forEach(b -> out.writeBytes(b.getBytes()));
    return shorts(out.toByteArray());
  }

  private static short[] shorts(byte[] b) {
    short[] s = new short[b.length / 2];
    for (int i = 0; i < s.length; i++) {
      s[i] = (short) ((b[2 * i] & 0xff) | (b[2 * i + 1] << 8));
    }
    return s;
  }

  /** The samples louder than silence (the caller's frames between speech are zeros). */
  private static short[] loud(short[] s) {
    int from = 0;
    while (from < s.length && Math.abs(s[from]) < 300) {
      from++;
    }
    int to = s.length;
    while (to > from && Math.abs(s[to - 1]) < 300) {
      to--;
    }
    return java.util.Arrays.copyOfRange(s, from, to);
  }

  /** The frequency of a pure tone from its zero crossings. */
  private static double hertz(short[] s, int rate) {
    int crossings = 0;
    for (int i = 1; i < s.length; i++) {
      if ((s[i - 1] < 0) != (s[i] < 0)) {
        crossings++;
      }
    }
    return crossings / 2.0 / (s.length / (double) rate);
  }
}
