package io.switchboard.app.http;

import io.switchboard.api.Addresses;
import io.switchboard.api.UsageBatch;
import io.switchboard.core.cid.CanonicalJson;
import io.switchboard.core.cid.CidReference;
import io.switchboard.core.cid.FileDag;
import io.switchboard.core.testkit.JournalTap;
import io.switchboard.core.testkit.TestAudio;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.core.testkit.speech.FakeTranscriptionApi;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exact cache and the artifacts from outside, over HTTP, with the real adapters against the test kit's fakes: two
 * cloud speech-to-text APIs (classes {@code cloud} and {@code private}) and an OpenAI chat server, artifacts kept on
 * files. Every test sends bytes of its own, so the tests never share a cache entry. Usage records are read as the
 * router hands them to the node's journal ({@code JournalTap}) or sends them on {@code switchboard.usage} (an outbound
 * interceptor); the ledger still gets them.
 */
class ExactCacheHttpTest {

  static final String ADMIN = "admin-token-for-the-cache-test-0123";
  static final double PER_MINUTE = 0.006;
  static final double DURATION = 30.0;

  static Vertx vertx;
  static FakeTranscriptionApi cloudAsr;
  static FakeTranscriptionApi privateAsr;
  static FakeOpenAiServer chat;
  static HttpTestNode node;
  static final Map<String, JsonObject> records = new ConcurrentHashMap<>();
  static final Random random = new Random(20);

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    vertx = Vertx.vertx();
    vertx.eventBus().addOutboundInterceptor((DeliveryContext<Object> ctx) -> {
      String address = ctx.message().address();
      if (address.equals(Addresses.USAGE) || address.equals(Addresses.USAGE_BATCH)) {
        UsageBatch.recordsOf(ctx.message().body()).forEach(r -> records.put(r.requestId(), r.toJson()));
      }
      ctx.next();
    });
    cloudAsr = FakeTranscriptionApi.start(vertx).reply(ctx -> ctx.json(verbose("from the cloud")));
    privateAsr = FakeTranscriptionApi.start(vertx).reply(ctx -> ctx.json(verbose("from the private one")));
    chat = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS);
    JsonObject whisperPrice = new JsonObject().put("whisper-1", new JsonObject().put("per_audio_minute", PER_MINUTE));
    JsonArray backends = new JsonArray()
      .add(new JsonObject().put("id", "cloud-asr").put("type", "openai-transcription").put("base_url", cloudAsr.url("/v1"))
        .put("privacy", "cloud").put("priority", 10).put("models", new JsonArray().add("whisper-1")).put("prices", whisperPrice))
      .add(new JsonObject().put("id", "private-asr").put("type", "openai-transcription").put("base_url", privateAsr.url("/v1"))
        .put("privacy", "private").put("priority", 20).put("models", new JsonArray().add("whisper-1")).put("prices", whisperPrice))
      .add(new JsonObject().put("id", "chat").put("type", "openai-compatible").put("base_url", chat.baseUrl())
        .put("api_key_env", "CHAT_KEY").put("capabilities", new JsonArray().add("chat")).put("privacy", "cloud")
        .put("models", new JsonArray().add("gpt-4o-mini"))
        .put("prices", new JsonObject().put("gpt-4o-mini", new JsonObject().put("input_per_mtok", 1.0).put("output_per_mtok", 2.0))))
      .add(new JsonObject().put("id", "flite").put("type", "local-tts"));
    JsonObject more = new JsonObject()
      .put("artifacts", new JsonObject().put("keep", new JsonArray().add("audio_in").add("transcript").add("chat"))
        .put("store", "file").put("data_dir", dir.resolve("artifacts").toString()))
      .put("cache", new JsonObject());
    node = HttpTestNode.start(vertx, backends, new JsonObject().put("admin_token", ADMIN),
      Map.of("OPENAI_API_KEY", "sk-test-asr-0123456789", "CHAT_KEY", "sk-test-chat-0123456789"), more);
    JournalTap.install(vertx, r -> records.put(r.requestId(), r.toJson()));
  }

  @AfterAll
  static void stop() throws Exception {
    cloudAsr.close();
    privateAsr.close();
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @BeforeEach
  void quiet() {
    cloudAsr.forget();
    privateAsr.forget();
  }

  static JsonObject verbose(String text) {
    return new JsonObject().put("language", "english").put("duration", DURATION).put("text", text)
      .put("segments", new JsonArray().add(new JsonObject().put("id", 0).put("start", 0.0).put("end", DURATION).put("text", text)));
  }

  /** A WAV of its own (random samples: the fakes do not decode them), more than one 256 KiB chunk. */
  static Buffer audio() {
    Buffer wav = TestAudio.wav(19, 16_000);
    byte[] samples = new byte[wav.length() - 44];
    random.nextBytes(samples);
    wav.setBytes(44, samples);
    return wav;
  }

  static HttpResponse<Buffer> transcribe(Buffer audio, Map<String, String> fields, Map<String, String> headers) throws Exception {
    Multipart form = new Multipart().field("model", "whisper-1").field("response_format", "verbose_json");
    fields.forEach(form::field);
    form.file("file", "call.wav", "audio/wav", audio);
    HttpResponse<Buffer> res = node.postMultipart("/v1/audio/transcriptions", form, headers);
    assertEquals(200, res.statusCode(), res.bodyAsString());
    return res;
  }

  static HttpResponse<Buffer> transcribe(Buffer audio) throws Exception {
    return transcribe(audio, Map.of("privacy", "cloud"), Map.of());
  }

  /** {@code x-switchboard-artifacts} as a map of kind to CID. */
  static Map<String, String> artifacts(String header) {
    assertNotNull(header, "x-switchboard-artifacts");
    Map<String, String> out = new HashMap<>();
    for (String part : header.split(";")) {
      String[] kv = part.trim().split("=", 2);
      out.put(kv[0], kv[1]);
    }
    return out;
  }

  static JsonObject record(HttpResponse<?> res) {
    String rid = res.getHeader("x-request-id");
    long until = System.currentTimeMillis() + 10_000;
    while (!records.containsKey(rid) && System.currentTimeMillis() < until) {
      Thread.onSpinWait();
    }
    JsonObject r = records.get(rid);
    assertNotNull(r, "usage record of " + rid);
    return r;
  }

  HttpResponse<Buffer> get(String path, Map<String, String> headers) throws Exception {
    HttpRequest<Buffer> req = node.client.get(node.port, "127.0.0.1", path);
    headers.forEach(req::putHeader);
    return node.onContext(req::send).await(30, TimeUnit.SECONDS);
  }

  HttpResponse<Buffer> delete(String path) throws Exception {
    return node.onContext(() -> node.client.delete(node.port, "127.0.0.1", path).send()).await(30, TimeUnit.SECONDS);
  }

  @Test
  void aRepeatedTranscriptionIsServedOnceByTheBackendAndRecordedAsAHit() throws Exception {
    Buffer audio = audio();
    HttpResponse<Buffer> first = transcribe(audio);
    assertEquals("miss", first.getHeader("x-switchboard-cache"));
    assertEquals("cloud-asr", first.getHeader("x-switchboard-backend"));
    Map<String, String> cids = artifacts(first.getHeader("x-switchboard-artifacts"));
    assertEquals(FileDag.of(audio).root().toString(), cids.get("audio_in"), "the upload's CID, hashed as it arrived");
    assertEquals(FileDag.of(Buffer.buffer(CanonicalJson.bytes(verbose("from the cloud")))).root().toString(), cids.get("transcript"),
      "the transcript's CID: its canonical verbose JSON");
    assertEquals(audio, cloudAsr.next().bytes(), "the backend got the upload");

    HttpResponse<Buffer> second = transcribe(audio);
    assertEquals("hit", second.getHeader("x-switchboard-cache"));
    assertEquals("cloud-asr", second.getHeader("x-switchboard-backend"), "a hit names the backend that produced it");
    assertEquals(first.bodyAsJsonObject(), second.bodyAsJsonObject());
    assertEquals(cids, artifacts(second.getHeader("x-switchboard-artifacts")));
    assertTrue(cloudAsr.sawNothing() && privateAsr.sawNothing(), "no backend call for the hit");

    JsonObject missRecord = record(first);
    JsonObject hitRecord = record(second);
    double cost = DURATION / 60 * PER_MINUTE;
    assertEquals("miss", missRecord.getString("cache"));
    assertEquals(cost, missRecord.getDouble("cost_usd"), 1e-9);
    assertEquals("hit", hitRecord.getString("cache"));
    assertEquals(0.0, hitRecord.getDouble("cost_usd"), "a hit costs nothing");
    assertEquals(cost, hitRecord.getDouble("saved_usd"), 1e-9, "and saves what the original cost");
    assertEquals("cloud-asr", hitRecord.getString("backend"));
    assertEquals(cids.get("audio_in"), hitRecord.getJsonObject("artifacts").getString("audio_in"));
    assertEquals(cids.get("transcript"), hitRecord.getJsonObject("artifacts").getString("transcript"));

    JsonObject stats = node.onContext(() -> node.client.get(node.port, "127.0.0.1", "/api/v1/cache")
      .putHeader("authorization", "Bearer " + ADMIN).send()).await(30, TimeUnit.SECONDS).bodyAsJsonObject();
    JsonObject transcribe = stats.getJsonObject("stats").getJsonObject("transcribe");
    assertTrue(transcribe.getLong("hits") >= 1 && transcribe.getDouble("saved_usd") >= cost - 1e-9, "the admin API: " + stats);
  }

  @Test
  void aStricterPrivacyCeilingOrAKeyWithoutTheBackendDoesNotHit() throws Exception {
    Buffer audio = audio();
    assertEquals("miss", transcribe(audio).getHeader("x-switchboard-cache"));
    cloudAsr.next();

    HttpResponse<Buffer> stricter = transcribe(audio, Map.of("privacy", "private"), Map.of());
    assertEquals("miss", stricter.getHeader("x-switchboard-cache"), "a stricter ceiling never finds the looser one's entry");
    assertEquals("private-asr", stricter.getHeader("x-switchboard-backend"));
    assertEquals("from the private one", stricter.bodyAsJsonObject().getString("text"));
    assertEquals(audio, privateAsr.next().bytes());

    // Same ceiling (cloud), but a key that may only use private-asr: the cloud answer is not for it.
    String key = createKey(new JsonObject().put("allowed_providers", new JsonArray().add("private-asr")));
    Buffer audio2 = audio();
    assertEquals("miss", transcribe(audio2).getHeader("x-switchboard-cache"));
    cloudAsr.next();
    HttpResponse<Buffer> keyed = transcribe(audio2, Map.of("privacy", "cloud"), Map.of("authorization", "Bearer " + key));
    assertEquals("private-asr", keyed.getHeader("x-switchboard-backend"), "the key's own backend answered");
    assertEquals("miss", keyed.getHeader("x-switchboard-cache"));
    privateAsr.next();
    assertTrue(cloudAsr.sawNothing());
  }

  private String createKey(JsonObject limits) throws Exception {
    HttpResponse<Buffer> res = node.onContext(() -> node.post("/api/v1/keys").putHeader("authorization", "Bearer " + ADMIN)
      .putHeader("content-type", "application/json")
      .sendBuffer(new JsonObject().put("name", "cache-test").put("limits", limits).toBuffer())).await(30, TimeUnit.SECONDS);
    assertEquals(201, res.statusCode(), res.bodyAsString());
    return res.bodyAsJsonObject().getString("api_key");
  }

  @Test
  void noStoreAndCacheFalseBypassTheCache() throws Exception {
    Buffer audio = audio();
    assertEquals("miss", transcribe(audio).getHeader("x-switchboard-cache"));
    cloudAsr.next();

    HttpResponse<Buffer> noStore = transcribe(audio, Map.of("privacy", "cloud"), Map.of("cache-control", "no-store"));
    assertEquals("bypass", noStore.getHeader("x-switchboard-cache"));
    cloudAsr.next();
    HttpResponse<Buffer> off = transcribe(audio, Map.of("privacy", "cloud", "cache", "false"), Map.of());
    assertEquals("bypass", off.getHeader("x-switchboard-cache"));
    cloudAsr.next();
    assertEquals("bypass", record(off).getString("cache"));

    assertEquals("hit", transcribe(audio).getHeader("x-switchboard-cache"), "the entry is still there for everyone else");
    assertTrue(cloudAsr.sawNothing());
  }

  @Test
  void aStreamedChatIsReplayedAsAStream() throws Exception {
    chat.reset();
    chat.enqueue(Behaviour.reply("one two three four").chunks(4));
    JsonObject ask = new JsonObject().put("model", "gpt-4o-mini").put("stream", true).put("temperature", 0).put("cache", true)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "Count to four.")));
    HttpResponse<Buffer> first = node.postJson("/v1/chat/completions", ask);
    assertEquals(200, first.statusCode(), first.bodyAsString());
    assertEquals("miss", first.getHeader("x-switchboard-cache"));
    assertFalse(chat.lastRequest().body().containsKey("cache"), "the mesh's cache field never reaches the upstream");
    String chatCid = artifacts(first.trailers().get("x-switchboard-artifacts")).get("chat");
    assertNotNull(chatCid, "a streamed answer's CID comes as a trailer");

    HttpResponse<Buffer> second = node.postJson("/v1/chat/completions", ask);
    assertEquals(200, second.statusCode(), second.bodyAsString());
    assertEquals("hit", second.getHeader("x-switchboard-cache"));
    assertTrue(second.getHeader("content-type").startsWith("text/event-stream"), "a stream was asked for: a stream comes");
    assertEquals(events(first.bodyAsString()), events(second.bodyAsString()), "the same events, in order");
    assertEquals(1, chat.requestCount(), "the upstream was called once");
    assertEquals(chatCid, artifacts(second.getHeader("x-switchboard-artifacts")).get("chat"));
    assertEquals("hit", record(second).getString("cache"));

    // Not opted in: chat is opt_in by default.
    chat.enqueue(Behaviour.reply("again"));
    HttpResponse<Buffer> plain = node.postJson("/v1/chat/completions", ask.copy().put("stream", false).put("cache", (Object) null));
    assertEquals("bypass", plain.getHeader("x-switchboard-cache"));
    assertEquals(2, chat.requestCount());
  }

  @Test
  void aWholeChatHitIsWrittenAsTheBytesOfTheMissAndABusCallerStillGetsJson() throws Exception {
    chat.reset();
    chat.enqueue(Behaviour.reply("a whole answer, kept as its bytes"));
    JsonObject ask = new JsonObject().put("model", "gpt-4o-mini").put("temperature", 0).put("cache", true)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "Say it whole.")));
    HttpResponse<Buffer> first = node.postJson("/v1/chat/completions", ask);
    assertEquals(200, first.statusCode(), first.bodyAsString());
    assertEquals("miss", first.getHeader("x-switchboard-cache"));

    HttpResponse<Buffer> second = node.postJson("/v1/chat/completions", ask);
    assertEquals(200, second.statusCode(), second.bodyAsString());
    assertEquals("hit", second.getHeader("x-switchboard-cache"));
    assertEquals("application/json", second.getHeader("content-type"));
    assertEquals(first.body(), second.body(), "the hit's body is the miss's, byte for byte");
    for (String meshField : List.of("switchboard", "cache", "artifacts")) {
      assertFalse(second.bodyAsJsonObject().containsKey(meshField), meshField + " is not part of the OpenAI body");
    }
    assertEquals(first.getHeader("x-switchboard-artifacts"), second.getHeader("x-switchboard-artifacts"));
    assertEquals("chat", second.getHeader("x-switchboard-backend"));
    assertEquals(1, chat.requestCount(), "the upstream was called once");
    JsonObject hitRecord = record(second);
    assertEquals("hit", hitRecord.getString("cache"));
    assertTrue(hitRecord.getDouble("saved_usd") > 0, "the hit's record carries the cost it saved: " + hitRecord);

    // A bus caller that does not ask for bytes gets the JSON object with the mesh's fields, as before.
    Message<Object> bus = node.started.vertx().eventBus().<Object>request(Addresses.CHAT, ask.copy(),
      new DeliveryOptions().setLocalOnly(true)).await(30, TimeUnit.SECONDS);
    JsonObject json = assertInstanceOf(JsonObject.class, bus.body());
    assertEquals(first.bodyAsJsonObject().getJsonArray("choices"), json.getJsonArray("choices"));
    assertEquals("hit", json.getString("cache"));
    assertEquals("chat", json.getJsonObject("switchboard").getString("backend"));
    assertNotNull(json.getJsonObject("artifacts").getString("chat"));
    assertEquals(1, chat.requestCount());
  }

  @Test
  void speechIsReplayedAsTheSameAudioStream() throws Exception {
    JsonObject ask = new JsonObject().put("model", "tts-1").put("input", "Kept once, spoken twice.").put("voice", "alloy")
      .put("response_format", "wav");
    HttpResponse<Buffer> first = node.postJson("/v1/audio/speech", ask);
    assertEquals(200, first.statusCode(), first.bodyAsString());
    assertEquals("miss", first.getHeader("x-switchboard-cache"));
    String cid = artifacts(first.trailers().get("x-switchboard-artifacts")).get("audio_out");
    assertEquals(FileDag.of(first.body()).root().toString(), cid, "audio_out: the CID of the bytes sent, hashed as they passed");

    HttpResponse<Buffer> second = node.postJson("/v1/audio/speech", ask);
    assertEquals(200, second.statusCode());
    assertEquals("hit", second.getHeader("x-switchboard-cache"));
    assertEquals("flite", second.getHeader("x-switchboard-backend"));
    assertEquals("audio/wav", second.getHeader("content-type"));
    assertEquals(first.body(), second.body());
    assertEquals(cid, artifacts(second.getHeader("x-switchboard-artifacts")).get("audio_out"));
    assertEquals("hit", record(second).getString("cache"));
  }

  /** The SSE events of a body, [DONE] included. */
  private static List<String> events(String sse) {
    List<String> out = new ArrayList<>();
    for (String e : sse.split("\n\n")) {
      if (!e.isBlank()) {
        out.add(e);
      }
    }
    assertEquals("data: [DONE]", out.get(out.size() - 1));
    return out;
  }

  @Test
  void anArtifactIsReadExportedAsACarAndDeletedWithItsCacheEntries(@TempDir Path dir) throws Exception {
    Buffer audio = audio();
    Map<String, String> cids = artifacts(transcribe(audio).getHeader("x-switchboard-artifacts"));
    cloudAsr.next();
    String cid = cids.get("audio_in");

    HttpResponse<Buffer> bytes = get("/v1/artifacts/" + cid, Map.of());
    assertEquals(200, bytes.statusCode(), bytes.bodyAsString());
    assertEquals(audio, bytes.body());
    assertEquals("application/octet-stream", bytes.getHeader("content-type"));
    HttpResponse<Buffer> transcript = get("/v1/artifacts/" + cids.get("transcript"), Map.of());
    assertEquals(200, transcript.statusCode());
    assertEquals(verbose("from the cloud"), transcript.bodyAsJsonObject());

    JsonObject info = get("/v1/artifacts/" + cid + "?format=info", Map.of()).bodyAsJsonObject();
    assertEquals(audio.length(), info.getLong("size"));
    JsonObject claim = info.getJsonArray("claims").getJsonObject(0);
    assertEquals("audio_in", claim.getString("kind"));
    assertEquals("cloud", claim.getString("privacy"));

    HttpResponse<Buffer> car = get("/v1/artifacts/" + cid + "?format=car", Map.of());
    assertEquals(200, car.statusCode());
    assertEquals("application/vnd.ipld.car", car.getHeader("content-type"));
    Path carFile = dir.resolve("a.car");
    Path audioFile = dir.resolve("a.wav");
    Files.write(carFile, car.body().getBytes());
    Files.write(audioFile, audio.getBytes());
    JsonObject reference = CidReference.car(carFile, audioFile);
    assertEquals(1, reference.getInteger("version"));
    assertEquals(new JsonArray().add(cid), reference.getJsonArray("roots"));
    assertEquals(cid, reference.getString("reference_root"), "the JS importer names the upload as the header did");
    assertEquals(new JsonArray(), reference.getJsonArray("bad_hashes"));
    assertEquals(new JsonArray(), reference.getJsonArray("missing"));
    assertEquals(new JsonArray(), reference.getJsonArray("extra"));

    assertEquals(404, get("/v1/artifacts/" + cid, Map.of("x-switchboard-privacy", "private")).statusCode(),
      "never across privacy classes: a cloud claim is not served under a private ceiling");
    assertEquals(400, get("/v1/artifacts/not-a-cid", Map.of()).statusCode());

    assertEquals(204, delete("/v1/artifacts/" + cid).statusCode());
    assertEquals(404, get("/v1/artifacts/" + cid, Map.of()).statusCode());
    HttpResponse<Buffer> again = transcribe(audio);
    assertEquals("miss", again.getHeader("x-switchboard-cache"), "the deletion took the cache entry derived from the upload");
    cloudAsr.next();
    assertNull(record(again).getValue("saved_usd"));
  }
}
