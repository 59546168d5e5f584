package io.switchboard.app.voice;

import io.switchboard.core.testkit.realtime.FakeRealtimeServer;
import io.switchboard.core.testkit.realtime.FakeRealtimeSession;
import io.switchboard.core.testkit.Await;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
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
 */
class RealtimeCallTest {

  @TempDir
  Path dir;
  private Vertx vertx;
  private Vertx client;
  private FakeRealtimeServer fake;
  private VoiceNode node;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    client = Vertx.vertx();
    fake = FakeRealtimeServer.start(client).await(10, TimeUnit.SECONDS).requireKey(Realtime.KEY);
    fake.script().responseMs = 4000;
    node = VoiceNode.start(vertx, new JsonArray().add(Realtime.backend("rt", fake, 10)),
      new JsonObject().put("mode", "realtime").put("fallback_mode", "pipeline"), dir, Map.of(Realtime.KEY_ENV, Realtime.KEY));
  }

  @AfterEach
  void stop() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(20, TimeUnit.SECONDS);
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
}
