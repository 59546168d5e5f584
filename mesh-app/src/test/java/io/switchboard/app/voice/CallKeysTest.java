package io.switchboard.app.voice;

import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.voice.auth.TwilioSignature;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.switchboard.app.voice.ChatUpstream.chats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Calls when keys are required, with the real ledger's key service: a plain call with a key (header) or a call token;
 * none is refused; Twilio's webhook checks the signature and hands the stream a token bound to its CallSid, so no key
 * is written into TwiML; and a call's stage requests carry the key's id, so its limits and budget count the call.
 */
class CallKeysTest extends CallFixture {

  static final String AUTH_TOKEN = "twilio-auth-token-for-the-test";
  static final String SECRET = "voice-token-secret-shared-by-the-nodes";

  private FakeOpenAiServer chat;
  private VoiceNode node;
  private String key;
  private String keyId;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    chat = chatUpstream();
    chat.setDefault(Behaviour.reply("Welcome back."));
    JsonArray backends = VoiceNode.localCascade(chat);
    JsonObject config = new JsonObject()
      .put("router", new JsonObject().put("heartbeat_timeout_ms", 5000))
      .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"))
      .put("backend_defaults", new JsonObject().put("heartbeat_ms", 500))
      .put("usage", new JsonObject().put("data_dir", dir.toString()))
      .put("auth", new JsonObject().put("require_keys", true))
      .put("voice", new JsonObject().put("twilio", new JsonObject().put("api_key_env", "TWILIO_CALLS_KEY"))
        .put("public_url", "https://voice.example.com"))
      .put("backends", backends);
    // The key for Twilio calls can only be made once the ledger runs: a voice-only node started later on the same bus
    // gets it in its environment (voiceNodeWithTwilioKey). Both nodes share the token secret, as a cluster's do.
    node = VoiceNode.start(vertx, "all", config, Map.of("FAKE_KEY", "sk-fake-voice", "TWILIO_AUTH_TOKEN", AUTH_TOKEN,
      "SWITCHBOARD_VOICE_TOKEN_SECRET", SECRET));
    JsonObject created = vertx.eventBus().<JsonObject>request("switchboard.keys", new JsonObject().put("op", "create")
      .put("name", "voice-test").put("limits", new JsonObject())).await(10, TimeUnit.SECONDS).body();
    key = created.getString("api_key");
    keyId = created.getJsonObject("key").getString("id");
  }

  @Test
  void aCallNeedsAKeyOrAToken() throws Exception {
    StreamCaller none = StreamCaller.raw(client, node.port, 16_000, null).await(10, TimeUnit.SECONDS);
    none.sendText(new JsonObject().put("type", "start").put("sample_rate", 16000).encode());
    assertEquals((short) 1008, none.closed().await(10, TimeUnit.SECONDS));
    assertTrue(none.closeReason().contains("requires an API key"), none.closeReason());

    StreamCaller bad = StreamCaller.raw(client, node.port, 16_000, "Bearer sb-k_nope-000000000000").await(10, TimeUnit.SECONDS);
    bad.sendText(new JsonObject().put("type", "start").put("sample_rate", 16000).encode());
    assertEquals((short) 1008, bad.closed().await(10, TimeUnit.SECONDS));
    assertEquals("authentication_error", bad.events("error").get(0).getJsonObject("error").getString("type"));

    StreamCaller good = StreamCaller.raw(client, node.port, 16_000, "Bearer " + key).await(10, TimeUnit.SECONDS);
    good.sendText(new JsonObject().put("type", "start").put("sample_rate", 16000).encode());
    Await.until("the call with a key", () -> !good.events("session.started").isEmpty());
    good.stop();
    good.closed().await(10, TimeUnit.SECONDS);

    HttpResponse<String> token = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/v1/voice/tokens"))
      .timeout(Duration.ofSeconds(10)).header("authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.noBody()).build(),
      HttpResponse.BodyHandlers.ofString());
    assertEquals(200, token.statusCode(), token.body());
    String t = new JsonObject(token.body()).getString("token");
    assertTrue(!t.contains(key) && !t.contains(key.substring(3)), "a token does not carry the key");
    StreamCaller withToken = StreamCaller.connect(client, node.port, 16_000, new JsonObject().put("token", t)).await(10, TimeUnit.SECONDS);
    Thread.sleep(300);
    withToken.say(Speech.at16k(Speech.FIRST));
    Await.until("the call's turn", () -> chats(chat).size() == 1);
    withToken.stop();
    Await.until("the call record", () -> !node.callRecords().isEmpty());
    String callId = node.callRecords().get(node.callRecords().size() - 1).getString("request_id");
    assertEquals(keyId, node.callRecords().get(node.callRecords().size() - 1).getString("key_id"));
    assertTrue(node.usage.stream().filter(r -> r.getString("request_id").startsWith(callId + "-t1-"))
      .allMatch(r -> keyId.equals(r.getString("key_id"))), "the stage records count against the key");
  }

  @Test
  void twilioWebhookIsSignedAndHandsTheStreamABoundToken() throws Exception {
    VoiceNode voiceNode = voiceNodeWithTwilioKey();
    TwilioCaller caller = TwilioCaller.raw(client, voiceNode.port).await(10, TimeUnit.SECONDS);
    Map<String, String> form = new TreeMap<>(Map.of("CallSid", caller.callSid(), "From", "+15550100", "To", "+15550199",
      "AccountSid", "AC0123"));
    String url = "https://voice.example.com/v1/voice/twilio/twiml";
    HttpResponse<String> forged = twiml(form, "bm90IGEgc2lnbmF0dXJl");
    assertEquals(403, forged.statusCode(), forged.body());
    HttpResponse<String> twiml = twiml(form, TwilioSignature.sign(AUTH_TOKEN, url, form));
    assertEquals(503, twiml.statusCode(), "keys are required and this node names no key for Twilio: " + twiml.body());

    twiml = twiml(voiceNode.port, form, TwilioSignature.sign(AUTH_TOKEN, url, form));
    assertEquals(200, twiml.statusCode(), twiml.body());
    assertTrue(twiml.headers().firstValue("content-type").orElse("").startsWith("text/xml"));
    assertTrue(twiml.body().contains("<Connect><Stream url=\"wss://voice.example.com/v1/voice/twilio\">"), twiml.body());
    assertTrue(!twiml.body().contains(key.substring(3)), "no key in TwiML");
    Matcher m = Pattern.compile("<Parameter name=\"token\" value=\"([^\"]+)\"/>").matcher(twiml.body());
    assertTrue(m.find(), twiml.body());

    caller.begin(new JsonObject().put("token", m.group(1)));
    Thread.sleep(300);
    caller.say(Speech.at8k(Speech.FIRST));
    Await.until("the call's turn", () -> chats(chat).size() == 1);
    caller.hangUp();
    caller.closed().await(10, TimeUnit.SECONDS);

    TwilioCaller other = TwilioCaller.connect(client, node.port, new JsonObject().put("token", m.group(1))).await(10, TimeUnit.SECONDS);
    assertEquals((short) 1008, other.closed().await(10, TimeUnit.SECONDS));
    assertEquals("call token is for another call", other.closeReason());
  }

  /**
   * A key that may use the call's transcription and speech models but not its chat model: the chat stage is refused by
   * the router for the key, as any request of that key would be (the same admission that applies its rate limit and
   * budget), so the caller hears the apology, gets an {@code error} event with the refusal's code, and the chat
   * upstream sees nothing; the call stays up.
   */
  @Test
  void aCallsStagesAreHeldToItsKeysLimits() throws Exception {
    String limited = vertx.eventBus().<JsonObject>request("switchboard.keys", new JsonObject().put("op", "create")
      .put("name", "no-chat").put("limits", new JsonObject().put("allowed_models", new JsonArray().add("whisper-1").add("tts-1"))))
      .await(10, TimeUnit.SECONDS).body().getString("api_key");
    StreamCaller caller = StreamCaller.raw(client, node.port, 16_000, "Bearer " + limited).await(10, TimeUnit.SECONDS);
    caller.start(new JsonObject());
    Thread.sleep(300);
    caller.say(Speech.at16k(Speech.FIRST));
    Await.until("the refused stage's error event", () -> !caller.events("error").isEmpty());
    JsonObject error = caller.events("error").get(0).getJsonObject("error");
    assertEquals("permission_denied", error.getString("code"), error.encode());
    assertTrue(error.getString("message").startsWith("chat: "), error.encode());
    Await.until("the apology's audio", () -> caller.audioMs(16_000) > 1000);
    assertTrue(chats(chat).isEmpty(), "the chat upstream saw nothing of a stage the key may not use");
    assertTrue(!caller.closed().isComplete(), "the call stays up");
    caller.stop();
    caller.closed().await(10, TimeUnit.SECONDS);
  }

  /** A voice-only node on the same bus, with the key for Twilio calls in its environment. */
  private VoiceNode voiceNodeWithTwilioKey() throws Exception {
    JsonObject config = new JsonObject().put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"))
      .put("auth", new JsonObject().put("require_keys", true)).put("usage", new JsonObject().put("data_dir", dir.resolve("v").toString()))
      .put("voice", new JsonObject().put("twilio", new JsonObject().put("api_key_env", "TWILIO_CALLS_KEY"))
        .put("public_url", "https://voice.example.com"));
    return VoiceNode.start(vertx, "voice", config, Map.of("TWILIO_AUTH_TOKEN", AUTH_TOKEN, "TWILIO_CALLS_KEY", key,
      "SWITCHBOARD_VOICE_TOKEN_SECRET", SECRET));
  }

  private HttpResponse<String> twiml(Map<String, String> form, String signature) throws Exception {
    return twiml(node.port, form, signature);
  }

  private HttpResponse<String> twiml(int port, Map<String, String> form, String signature) throws Exception {
    String body = form.entrySet().stream().map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
      .collect(Collectors.joining("&"));
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/voice/twilio/twiml")).timeout(Duration.ofSeconds(10))
      .header("content-type", "application/x-www-form-urlencoded").header("x-twilio-signature", signature)
      .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
