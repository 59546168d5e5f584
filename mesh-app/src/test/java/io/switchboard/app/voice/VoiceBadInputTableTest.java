package io.switchboard.app.voice;

import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.voice.testkit.Flite;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.switchboard.app.voice.ChatUpstream.chats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bad-input table of the voice WebSockets, on one node that requires keys: {@code /v1/voice/twilio},
 * {@code /v1/voice/stream} and {@code /v1/realtime} (pipeline mode), each sent malformed JSON, events out of order,
 * invalid base64, oversize frames and payloads, binary where text is expected and the reverse, unknown events, a start
 * with bad parameters, and no key or an unknown one. Each row says what the client receives: Twilio, the close with its
 * status and reason; the plain socket, an {@code error} event and the close; Realtime, an {@code error} event naming
 * the problem (code and param) with the session still open, or a refused handshake for a key. Meanwhile one good call
 * per socket goes on and is answered: no bad client touches another call.
 */
class VoiceBadInputTableTest {

  static final String SECRET = "voice-token-secret-for-the-bad-input-table";
  static final String FRAME = Base64.getEncoder().encodeToString(new byte[160]);
  /** More than a WebSocket message may hold on the node (Vert.x's default bound: 256 KiB), which drops it whole. */
  static final int OVER_BOUND = 300_000;

  @TempDir
  static Path dir;
  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  static final Vertx vertx = vx.get();
  static Vertx client;
  static FakeOpenAiServer chat;
  static VoiceNode node;
  static String key;
  static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /** A Twilio row: sent after {@code connected} (and after a valid {@code start} and a frame when {@code started}). */
  record TwilioRow(String name, boolean started, Consumer<TwilioCaller> send, int status, String reason) {
  }

  /** A plain-socket row: the upgrade's {@code authorization} (null: none), what is sent, the close and the error event's code. */
  record StreamRow(String name, String authorization, Consumer<StreamCaller> send, int status, String reason, String code) {
  }

  /** A Realtime row: what is sent on an open session, the {@code error} event's code and param (null: none), and a word of its message. */
  record RealtimeRow(String name, Consumer<GaClient> send, String code, String param, String says) {
  }

  @BeforeAll
  static void start() throws Exception {
    client = Vertx.vertx();
    chat = FakeOpenAiServer.start(client).await(10, TimeUnit.SECONDS);
    chat.setDefault(Behaviour.reply("I heard you."));
    JsonObject config = new JsonObject()
      .put("router", new JsonObject().put("heartbeat_timeout_ms", 5000).put("breaker", new JsonObject().put("max_failures", 50)))
      .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"))
      .put("backend_defaults", new JsonObject().put("heartbeat_ms", 500))
      .put("usage", new JsonObject().put("data_dir", dir.toString()))
      .put("auth", new JsonObject().put("require_keys", true))
      .put("voice", new JsonObject().put("mode", "pipeline").put("stage_timeout_ms", 20_000).put("greeting", ""))
      .put("backends", VoiceNode.localCascade(chat));
    node = VoiceNode.start(vertx, "all", config, Map.of("FAKE_KEY", "sk-fake-voice", "SWITCHBOARD_VOICE_TOKEN_SECRET", SECRET));
    key = vertx.eventBus().<JsonObject>request("switchboard.keys", new JsonObject().put("op", "create").put("name", "voice-table")
      .put("limits", new JsonObject())).await(10, TimeUnit.SECONDS).body().getString("api_key");
  }

  @AfterAll
  static void stop() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
  }

  /** A call token for the Twilio socket, made with the table's key. */
  static String token() throws Exception {
    HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/v1/voice/tokens"))
      .timeout(Duration.ofSeconds(10)).header("authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.noBody()).build(),
      HttpResponse.BodyHandlers.ofString());
    assertEquals(200, res.statusCode(), res.body());
    return new JsonObject(res.body()).getString("token");
  }

  static JsonObject media(TwilioCaller c, String sid, String payload) {
    return new JsonObject().put("event", "media").put("sequenceNumber", c.seq()).put("streamSid", sid)
      .put("media", new JsonObject().put("track", "inbound").put("chunk", "1").put("timestamp", "20").put("payload", payload));
  }

  static List<TwilioRow> twilioRows() {
    return List.of(
      new TwilioRow("malformed JSON", false, c -> c.send("{\"event\": \"media\", "), 1007, "message is not JSON"),
      new TwilioRow("media before start (wrong order)", false, c -> c.text(media(c, "MZ1", FRAME)), 1008, "'media' before 'start'"),
      new TwilioRow("invalid base64", true, c -> c.text(media(c, c.streamSid(), "!!not base64!!")), 1007,
        "media payload is not valid base64"),
      new TwilioRow("oversize payload", true, c -> c.text(media(c, c.streamSid(), Base64.getEncoder().encodeToString(new byte[20_000]))),
        1009, "media payload of"),
      new TwilioRow("a message over the socket's size bound", true, c -> c.text(media(c, c.streamSid(),
        Base64.getEncoder().encodeToString(new byte[OVER_BOUND]))), 1009, "larger than"),
      new TwilioRow("binary where text is expected", true, c -> c.sendBinary(new byte[160]), 1003, "binary frame"),
      new TwilioRow("an unknown event", true, c -> c.text(new JsonObject().put("event", "dance").put("streamSid", c.streamSid())), 1008,
        "unknown event 'dance'"),
      new TwilioRow("a start with bad parameters", false, c -> c.text(c.start(new JsonObject().put("privacy", "nowhere"))), 1008,
        "unknown privacy class 'nowhere'"),
      new TwilioRow("a start in another media format", false, c -> c.text(c.start(new JsonObject()).put("start", c.start(new JsonObject())
        .getJsonObject("start").put("mediaFormat", new JsonObject().put("encoding", "audio/l16").put("sampleRate", 16000)
          .put("channels", 1)))), 1003, "unsupported media format"),
      new TwilioRow("no key or token", false, c -> c.text(c.start(new JsonObject())), 1008, "requires an API key"),
      new TwilioRow("a forged token", false, c -> c.text(c.start(new JsonObject().put("token", "v1.forged.token"))), 1008, "token"));
  }

  static final String START = "{\"type\":\"start\",\"sample_rate\":16000}";

  static List<StreamRow> streamRows() {
    String bearer = "Bearer " + key;
    return List.of(
      new StreamRow("malformed JSON", bearer, c -> c.sendText("{\"type\": \"start\", "), 1007, "message is not JSON", "invalid_request"),
      new StreamRow("JSON that is not an object", bearer, c -> c.sendText("[1, 2, 3]"), 1008, "message is not a JSON object",
        "invalid_request"),
      new StreamRow("binary where text is expected (audio before start)", bearer, c -> c.sendBinary(Buffer.buffer(new byte[640])), 1008,
        "audio before 'start'", "invalid_request"),
      new StreamRow("text where audio is expected (base64 PCM)", bearer, c -> {
        c.sendText(START);
        c.sendText(Base64.getEncoder().encodeToString(new byte[640]));
      }, 1007, "message is not JSON", "invalid_request"),
      new StreamRow("a mark before start (wrong order)", bearer, c -> c.sendText("{\"type\":\"mark\",\"name\":\"m1\"}"), 1008,
        "'mark' before 'start'", "invalid_request"),
      new StreamRow("an unknown event", bearer, c -> {
        c.sendText(START);
        c.sendText("{\"type\":\"sing\"}");
      }, 1008, "unknown message type 'sing'", "invalid_request"),
      new StreamRow("a second start", bearer, c -> {
        c.sendText(START);
        c.sendText(START);
      }, 1008, "a second 'start'", "invalid_request"),
      new StreamRow("PCM of odd length", bearer, c -> {
        c.sendText(START);
        c.sendBinary(Buffer.buffer(new byte[641]));
      }, 1007, "is not whole 16-bit samples", "invalid_request"),
      new StreamRow("an oversize audio frame", bearer, c -> {
        c.sendText(START);
        c.sendBinary(Buffer.buffer(new byte[32_002]));
      }, 1009, "at most one second", "invalid_request"),
      new StreamRow("an oversize text message", bearer, c -> c.sendText("{\"type\":\"start\",\"pad\":\"" + "x".repeat(70_000) + "\"}"),
        1009, "at most 65536", "invalid_request"),
      new StreamRow("a message over the socket's size bound", bearer, c -> {
        c.sendText(START);
        c.sendBinary(Buffer.buffer(new byte[OVER_BOUND]));
      }, 1009, "larger than", "invalid_request"),
      new StreamRow("a start without a sample rate", bearer, c -> c.sendText("{\"type\":\"start\"}"), 1008,
        "'sample_rate' must be a whole number", "invalid_request"),
      new StreamRow("a start with an output rate in words", bearer,
        c -> c.sendText("{\"type\":\"start\",\"sample_rate\":16000,\"output_sample_rate\":\"fast\"}"), 1008,
        "'output_sample_rate' must be a whole number", "invalid_request"),
      new StreamRow("a start with bad parameters", bearer, c -> c.sendText("{\"type\":\"start\",\"sample_rate\":16000,\"privacy\":\"nowhere\"}"),
        1008, "unknown privacy class 'nowhere'", "invalid_request"),
      new StreamRow("no key", null, c -> c.sendText(START), 1008, "requires an API key", "invalid_api_key"),
      new StreamRow("an unknown key", "Bearer sb-k_nope-000000000000", c -> c.sendText(START), 1008, "", "invalid_api_key"));
  }

  static List<RealtimeRow> realtimeRows() {
    String pcm = Base64.getEncoder().encodeToString(new byte[4800]);
    return List.of(
      new RealtimeRow("malformed JSON", c -> c.sendText("{\"type\": \"session.update\", "), "invalid_json", null, "not a JSON object"),
      new RealtimeRow("an event without a type", c -> c.sendText("{\"event_id\":\"evt_1\"}"), "invalid_value", "type", "Unknown"),
      new RealtimeRow("an unknown event", c -> c.sendText("{\"type\":\"session.dance\"}"), "invalid_value", "type", "session.dance"),
      new RealtimeRow("invalid base64", c -> c.send(append("!!not base64!!")), "invalid_value", "audio", "base64"),
      new RealtimeRow("audio that is not a string", c -> c.sendText("{\"type\":\"input_audio_buffer.append\",\"audio\":42}"),
        "invalid_value", "audio", "audio"),
      new RealtimeRow("binary where text is expected", c -> c.sendBinary(Buffer.buffer(new byte[4800])), "invalid_value", null,
        "Binary frames"),
      new RealtimeRow("a session that is not an object", c -> c.sendText("{\"type\":\"session.update\",\"session\":\"fast\"}"),
        "invalid_value", "session", "session"),
      new RealtimeRow("a session with an unsupported format", c -> c.send(new JsonObject().put("type", "session.update")
          .put("session", new JsonObject().put("audio", new JsonObject().put("input", new JsonObject()
            .put("format", new JsonObject().put("type", "audio/pcmu")))))), "unsupported_format", "session.audio.input.format",
        "audio/pcm at 24000"),
      new RealtimeRow("a session whose rate is text", c -> c.send(new JsonObject().put("type", "session.update")
          .put("session", new JsonObject().put("audio", new JsonObject().put("input", new JsonObject()
            .put("format", new JsonObject().put("type", "audio/pcm").put("rate", "fast")))))), "invalid_value", null, "wrong type"),
      new RealtimeRow("an unknown event with a numeric event_id", c -> c.sendText("{\"type\":\"dance\",\"event_id\":7}"),
        "invalid_value", "type", "dance"),
      new RealtimeRow("an event pipeline mode does not take", c -> c.send(new JsonObject().put("type", "response.create")),
        "unsupported_in_pipeline_mode", "type", "response.create"),
      new RealtimeRow("an append over the socket's size bound", c -> c.send(append(pcm.repeat(60))), "invalid_value", null,
        "larger than"));
  }

  static JsonObject append(String audio) {
    return new JsonObject().put("type", "input_audio_buffer.append").put("audio", audio);
  }

  @Test
  void everyBadInputGetsItsAnswerAndTheCallsBesideItGoOn() throws Exception {
    TwilioCaller twilio = TwilioCaller.connect(client, node.port, new JsonObject().put("token", token())).await(10, TimeUnit.SECONDS);
    StreamCaller stream = StreamCaller.raw(client, node.port, 16_000, "Bearer " + key).await(10, TimeUnit.SECONDS).start(new JsonObject());
    GaClient realtime = GaClient.connect(client, node.port, "", "Bearer " + key).await(10, TimeUnit.SECONDS);
    Await.until("the good calls started", () -> !stream.events("session.started").isEmpty()
      && !realtime.events("session.created").isEmpty());
    twilio.say(Speech.at8k(Speech.FIRST));
    stream.say(Speech.at16k(Speech.FIRST));
    realtime.say(Flite.speak(Speech.FIRST, 24_000), 100).compose(v -> realtime.say(new float[24_000 * 3 / 2], 100));

    List<String> failures = new ArrayList<>();
    for (TwilioRow row : twilioRows()) {
      check(failures, "twilio: " + row.name(), () -> twilioRow(row));
    }
    for (StreamRow row : streamRows()) {
      check(failures, "stream: " + row.name(), () -> streamRow(row));
    }
    for (RealtimeRow row : realtimeRows()) {
      check(failures, "realtime: " + row.name(), () -> realtimeRow(row));
    }
    check(failures, "realtime: no key", () -> refusedHandshake(null));
    check(failures, "realtime: an unknown key", () -> refusedHandshake("Bearer sb-k_nope-000000000000"));
    assertTrue(failures.isEmpty(), failures.size() + " rows failed:\n" + String.join("\n", failures));

    Await.until("the three good calls' turns", 120_000, () -> chats(chat).size() >= 3);
    Await.until("the good calls' answers", 60_000, () -> twilio.frames().size() > 20 && stream.audioMs(16_000) > 500
      && !realtime.events("response.done").isEmpty());
    assertFalse(twilio.closed().isComplete() || stream.closed().isComplete() || realtime.closed().isComplete(),
      "the good calls are untouched");
    assertTrue(stream.events("error").isEmpty() && realtime.events("error").isEmpty(), "and were told of no error");
    twilio.hangUp();
    stream.stop();
    realtime.close();
  }

  interface Row {
    void run() throws Exception;
  }

  static void check(List<String> failures, String name, Row row) {
    try {
      row.run();
    } catch (Throwable t) {
      failures.add(name + ": " + t.getMessage());
    }
  }

  static void twilioRow(TwilioRow row) throws Exception {
    TwilioCaller bad = TwilioCaller.raw(client, node.port).await(10, TimeUnit.SECONDS);
    bad.text(new JsonObject().put("event", "connected").put("protocol", "Call").put("version", "1.0.0"));
    if (row.started()) {
      bad.text(bad.start(new JsonObject().put("token", token())));
      bad.text(media(bad, bad.streamSid(), FRAME));
    }
    row.send().accept(bad);
    short status = bad.closed().await(10, TimeUnit.SECONDS);
    assertEquals(row.status(), (int) status, "close status, reason " + bad.closeReason());
    assertTrue(bad.closeReason() != null && bad.closeReason().contains(row.reason()), "close reason: " + bad.closeReason());
  }

  static void streamRow(StreamRow row) throws Exception {
    StreamCaller bad = StreamCaller.raw(client, node.port, 16_000, row.authorization()).await(10, TimeUnit.SECONDS);
    row.send().accept(bad);
    short status = bad.closed().await(10, TimeUnit.SECONDS);
    assertEquals(row.status(), (int) status, "close status, reason " + bad.closeReason() + ", events " + bad.events());
    assertTrue(bad.closeReason() != null && bad.closeReason().contains(row.reason()), "close reason: " + bad.closeReason());
    List<JsonObject> errors = bad.events("error");
    assertEquals(1, errors.size(), "one error event: " + bad.events());
    JsonObject error = errors.get(0).getJsonObject("error");
    assertEquals(row.code(), error.getString("code"), error.encode());
    assertTrue(error.getString("message").contains(row.reason()), "the error event says why: " + error.encode());
  }

  /** The row's event on a fresh session: its error event, then the session still answers a valid event. */
  static void realtimeRow(RealtimeRow row) throws Exception {
    GaClient bad = GaClient.connect(client, node.port, "", "Bearer " + key).await(10, TimeUnit.SECONDS);
    Await.until("session.created", () -> !bad.events("session.created").isEmpty());
    row.send().accept(bad);
    Await.until("the error event", 10_000, () -> !bad.events("error").isEmpty() || bad.closed().isComplete());
    assertFalse(bad.closed().isComplete(), "the session stays open: " + bad.closeReason());
    JsonObject error = bad.events("error").get(0).getJsonObject("error");
    assertEquals("invalid_request_error", error.getString("type"), error.encode());
    assertEquals(row.code(), error.getString("code"), error.encode());
    assertEquals(row.param(), error.getString("param"), error.encode());
    assertTrue(error.getString("message").contains(row.says()), "the message names the problem: " + error.encode());
    bad.send(new JsonObject().put("type", "input_audio_buffer.clear"));
    Await.until("the next event answered", 10_000, () -> !bad.events("input_audio_buffer.cleared").isEmpty());
    assertTrue(bad.invalid().isEmpty(), "every event a GA server event: " + bad.invalid());
    bad.close();
  }

  /** Without a key the node requires, the upgrade is refused: 401 with an OpenAI error body saying so. */
  static void refusedHandshake(String authorization) throws Exception {
    Promise<Throwable> refused = Promise.promise();
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.port).setURI("/v1/realtime");
    if (authorization != null) {
      options.addHeader("authorization", authorization);
    }
    client.runOnContext(v -> client.createWebSocketClient().connect(options)
      .onComplete(ar -> refused.complete(ar.failed() ? ar.cause() : null)));
    Throwable t = refused.future().await(10, TimeUnit.SECONDS);
    assertTrue(t instanceof UpgradeRejectedException, "refused: " + t);
    UpgradeRejectedException e = (UpgradeRejectedException) t;
    assertEquals(401, e.getStatus());
    JsonObject error = e.getBody().toJsonObject().getJsonObject("error");
    assertEquals("authentication_error", error.getString("type"), error.encode());
    assertTrue(error.getString("message").toLowerCase(java.util.Locale.ROOT).contains("key"), error.encode());
  }
}
