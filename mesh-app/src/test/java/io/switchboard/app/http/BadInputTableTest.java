package io.switchboard.app.http;

import io.switchboard.core.config.OneLineFormatter;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Bad input, endpoint by endpoint, sent byte for byte over a socket to one node with every kind of backend (a fake
 * OpenAI for chat and embeddings, flite, the real Whisper model) and the usage ledger (keys): malformed and
 * wrong-typed JSON, values outside OpenAI's ranges, broken multipart and audio, oversize bodies, headers and fields,
 * protocol garbage, and auth tricks. Each must get its 4xx with an OpenAI error body (naming the field where there is
 * one): never a 5xx, a reset or a hang. Then the node serves normally, and no value sent could forge a log line.
 * The voice WebSockets have their own table, {@code io.switchboard.app.voice.VoiceBadInputTableTest}.
 */
class BadInputTableTest {

  static final String ADMIN = "admin-token-bad-input-0123456789";
  static final String FAKE_KEY = "sk-fake-bad-input-0123456789";
  static final long BODY_LIMIT = 64 * 1024;
  static final long UPLOAD_LIMIT = 400_000;
  /** A line that would pass for one of the node's own if a line break let it start a line. */
  static final String FORGED = "2026-01-01 00:00:00.000 SEVERE  [io.switchboard.forged] FORGED-LINE";
  static final int TIMEOUT_MS = 30_000;

  /** One row: what is sent, the status it must get, and the field the error must name (null: none in particular). */
  record Case(String group, String name, byte[] request, int status, String param) {
    @Override
    public String toString() {
      return group + ": " + name;
    }
  }

  static Vertx vertx;
  static FakeOpenAiServer openai;
  static HttpTestNode node;
  static Buffer wav;
  static String liveKey;
  static String revokedKey;
  static final List<LogRecord> logs = new CopyOnWriteArrayList<>();
  static final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      logs.add(record);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
  };

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    capture.setLevel(Level.ALL);
    Logger.getLogger("").addHandler(capture);
    wav = SpokenAudio.flite(dir);
    vertx = Vertx.vertx();
    openai = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS);
    node = HttpTestNode.start(vertx, HttpTestNode.everyKind(openai), new JsonObject().put("admin_token", ADMIN).put("body_limit_bytes", BODY_LIMIT)
      .put("upload_limit_bytes", UPLOAD_LIMIT), Map.of("FAKE_KEY", FAKE_KEY));
    liveKey = createKey("table-live");
    revokedKey = createKey("table-revoked");
    String revokedId = idOf(revokedKey);
    RawHttp.Response revoked = send(RawHttp.request("DELETE", "/api/v1/keys/" + revokedId, Map.of("authorization", "Bearer " + ADMIN), null));
    assertEquals(200, revoked.status(), revoked.toString());
  }

  @AfterAll
  static void stop() throws Exception {
    Logger.getLogger("").removeHandler(capture);
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  /** The id of a key {@code sb-<id>-<secret>}. */
  static String idOf(String plaintext) {
    return plaintext.substring(3, plaintext.indexOf('-', 3));
  }

  static String createKey(String name) throws Exception {
    RawHttp.Response created = send(json("POST", "/api/v1/keys", new JsonObject().put("name", name).encode(), Map.of("authorization", "Bearer " + ADMIN)));
    assertEquals(201, created.status(), created.toString());
    return created.json().getString("api_key");
  }

  static RawHttp.Response send(byte[] request) throws Exception {
    return RawHttp.send(node.port, request, TIMEOUT_MS);
  }

  static byte[] json(String method, String path, String body, Map<String, String> headers) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("content-type", "application/json");
    h.putAll(headers);
    return RawHttp.request(method, path, h, Buffer.buffer(body));
  }

  static byte[] post(String path, String body) {
    return json("POST", path, body, Map.of());
  }

  static String chat(String extra) {
    return "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]" + extra + "}";
  }

  static String speech(String extra) {
    return "{\"model\":\"tts-1\",\"input\":\"Hello.\",\"voice\":\"alloy\",\"response_format\":\"wav\"" + extra + "}";
  }

  static byte[] upload(Multipart form) {
    return RawHttp.request("POST", "/v1/audio/transcriptions", Map.of("content-type", form.contentType()), form.body());
  }

  static Multipart form() {
    return new Multipart().field("model", "whisper-1");
  }

  static byte[] admin(String method, String path, String body) {
    return body == null ? RawHttp.request(method, path, Map.of("authorization", "Bearer " + ADMIN), null)
      : json(method, path, body, Map.of("authorization", "Bearer " + ADMIN));
  }

  static byte[] bytes(String raw) {
    return raw.getBytes(StandardCharsets.ISO_8859_1);
  }

  static List<Case> cases() {
    List<Case> c = new ArrayList<>();
    String chatPath = "/v1/chat/completions";
    // ---- chat: the body ----
    c.add(new Case("chat", "JSON cut short", post(chatPath, "{\"model\":"), 400, null));
    c.add(new Case("chat", "a JSON array", post(chatPath, "[]"), 400, null));
    c.add(new Case("chat", "a JSON string", post(chatPath, "\"hi\""), 400, null));
    c.add(new Case("chat", "an empty body", post(chatPath, ""), 400, null));
    c.add(new Case("chat", "text/plain", RawHttp.request("POST", chatPath, Map.of("content-type", "text/plain"), Buffer.buffer(chat(""))), 415, null));
    c.add(new Case("chat", "no content type", RawHttp.request("POST", chatPath, Map.of(), Buffer.buffer(chat(""))), 415, null));
    c.add(new Case("chat", "JSON nested 50,000 deep", post(chatPath, "[".repeat(50_000)), 400, null));
    c.add(new Case("chat", "a body over the limit", post(chatPath, chat(",\"user\":\"" + "x".repeat((int) BODY_LIMIT) + "\"")), 413, null));
    c.add(new Case("chat", "invalid UTF-8", RawHttp.request("POST", chatPath, Map.of("content-type", "application/json"),
      Buffer.buffer(new byte[] {'{', '"', 'm', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'})), 400, null));
    // ---- chat: fields ----
    c.add(new Case("chat", "model missing", post(chatPath, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), 400, "model"));
    c.add(new Case("chat", "model a number", post(chatPath, "{\"model\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), 400, "model"));
    c.add(new Case("chat", "messages missing", post(chatPath, "{\"model\":\"gpt-4o-mini\"}"), 400, "messages"));
    c.add(new Case("chat", "messages an object", post(chatPath, "{\"model\":\"gpt-4o-mini\",\"messages\":{}}"), 400, "messages"));
    c.add(new Case("chat", "messages empty", post(chatPath, "{\"model\":\"gpt-4o-mini\",\"messages\":[]}"), 400, "messages"));
    c.add(new Case("chat", "an unknown role", post(chatPath, "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"god\",\"content\":\"hi\"}]}"), 400, "messages[0].role"));
    c.add(new Case("chat", "content a number", post(chatPath, "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":7}]}"), 400, "messages[0].content"));
    c.add(new Case("chat", "temperature 3", post(chatPath, chat(",\"temperature\":3")), 400, "temperature"));
    c.add(new Case("chat", "temperature a string", post(chatPath, chat(",\"temperature\":\"hot\"")), 400, "temperature"));
    c.add(new Case("chat", "top_p 1.5", post(chatPath, chat(",\"top_p\":1.5")), 400, "top_p"));
    c.add(new Case("chat", "max_tokens 0", post(chatPath, chat(",\"max_tokens\":0")), 400, "max_tokens"));
    c.add(new Case("chat", "max_tokens 1e12", post(chatPath, chat(",\"max_tokens\":1e12")), 400, "max_tokens"));
    c.add(new Case("chat", "n 0", post(chatPath, chat(",\"n\":0")), 400, "n"));
    c.add(new Case("chat", "n 200", post(chatPath, chat(",\"n\":200")), 400, "n"));
    c.add(new Case("chat", "stream a string", post(chatPath, chat(",\"stream\":\"yes\"")), 400, "stream"));
    c.add(new Case("chat", "five stop sequences", post(chatPath, chat(",\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]")), 400, "stop"));
    c.add(new Case("chat", "seed 1.5", post(chatPath, chat(",\"seed\":1.5")), 400, "seed"));
    c.add(new Case("chat", "a tool without function", post(chatPath, chat(",\"tools\":[{\"type\":\"function\"}]")), 400, "tools[0].function"));
    c.add(new Case("chat", "tool_choice unknown", post(chatPath, chat(",\"tool_choice\":\"sometimes\"")), 400, "tool_choice"));
    c.add(new Case("chat", "presence_penalty 3", post(chatPath, chat(",\"presence_penalty\":3")), 400, "presence_penalty"));
    c.add(new Case("chat", "logit_bias out of range", post(chatPath, chat(",\"logit_bias\":{\"50256\":500}")), 400, "logit_bias"));
    c.add(new Case("chat", "response_format yaml", post(chatPath, chat(",\"response_format\":{\"type\":\"yaml\"}")), 400, "response_format"));
    c.add(new Case("chat", "stream_options without stream", post(chatPath, chat(",\"stream_options\":{\"include_usage\":true}")), 400, "stream_options"));
    c.add(new Case("chat", "privacy unknown", post(chatPath, chat(",\"privacy\":\"public\"")), 400, "privacy"));
    c.add(new Case("chat", "privacy header unknown", json("POST", chatPath, chat(""), Map.of("x-switchboard-privacy", "public")), 400, "privacy"));
    c.add(new Case("chat", "strategy unknown", post(chatPath, chat(",\"strategy\":\"random\"")), 400, "strategy"));
    c.add(new Case("chat", "max_cost negative", post(chatPath, chat(",\"max_cost\":-1")), 400, "max_cost"));
    c.add(new Case("chat", "timeout_ms 0", post(chatPath, chat(",\"timeout_ms\":0")), 400, "timeout_ms"));
    c.add(new Case("chat", "timeout_ms 1e300", post(chatPath, chat(",\"timeout_ms\":1e300")), 400, "timeout_ms"));
    c.add(new Case("chat", "an unknown model with a line break", post(chatPath,
      "{\"model\":\"nope\\r\\n" + FORGED + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), 404, "model"));
    // ---- embeddings ----
    String embedPath = "/v1/embeddings";
    c.add(new Case("embeddings", "input missing", post(embedPath, "{\"model\":\"text-embedding-3-small\"}"), 400, "input"));
    c.add(new Case("embeddings", "input a number", post(embedPath, "{\"model\":\"text-embedding-3-small\",\"input\":5}"), 400, "input"));
    c.add(new Case("embeddings", "input empty", post(embedPath, "{\"model\":\"text-embedding-3-small\",\"input\":[]}"), 400, "input"));
    c.add(new Case("embeddings", "an empty string", post(embedPath, "{\"model\":\"text-embedding-3-small\",\"input\":[\"\"]}"), 400, "input"));
    c.add(new Case("embeddings", "2049 inputs", post(embedPath, new JsonObject().put("model", "text-embedding-3-small")
      .put("input", new JsonArray(java.util.Collections.nCopies(2049, "a"))).encode()), 400, "input"));
    c.add(new Case("embeddings", "encoding_format hex", post(embedPath, "{\"model\":\"text-embedding-3-small\",\"input\":\"a\",\"encoding_format\":\"hex\"}"), 400, "encoding_format"));
    c.add(new Case("embeddings", "dimensions 0", post(embedPath, "{\"model\":\"text-embedding-3-small\",\"input\":\"a\",\"dimensions\":0}"), 400, "dimensions"));
    c.add(new Case("embeddings", "dimensions a string", post(embedPath, "{\"model\":\"text-embedding-3-small\",\"input\":\"a\",\"dimensions\":\"ten\"}"), 400, "dimensions"));
    // ---- speech ----
    String speechPath = "/v1/audio/speech";
    c.add(new Case("speech", "input missing", post(speechPath, "{\"model\":\"tts-1\",\"voice\":\"alloy\"}"), 400, "input"));
    c.add(new Case("speech", "input empty", post(speechPath, "{\"model\":\"tts-1\",\"input\":\"\",\"voice\":\"alloy\"}"), 400, "input"));
    c.add(new Case("speech", "voice a number", post(speechPath, speech(",\"voice\":5").replace("\"voice\":\"alloy\",", "")), 400, "voice"));
    c.add(new Case("speech", "an unknown voice", post(speechPath, speech("").replace("alloy", "no-such-voice")), 400, "voice"));
    c.add(new Case("speech", "response_format wma", post(speechPath, speech("").replace("\"wav\"", "\"wma\"")), 400, "response_format"));
    c.add(new Case("speech", "speed 10", post(speechPath, speech(",\"speed\":10")), 400, "speed"));
    c.add(new Case("speech", "speed a string", post(speechPath, speech(",\"speed\":\"fast\"")), 400, "speed"));
    c.add(new Case("speech", "sample_rate 1000", post(speechPath, speech(",\"sample_rate\":1000")), 400, "sample_rate"));
    c.add(new Case("speech", "input over max_chars (4096)", post(speechPath, speech("").replace("Hello.", "word ".repeat(1000))), 413, "input"));
    // ---- transcriptions ----
    c.add(new Case("transcriptions", "a JSON body", post("/v1/audio/transcriptions", "{\"model\":\"whisper-1\"}"), 415, null));
    c.add(new Case("transcriptions", "multipart without a boundary", RawHttp.request("POST", "/v1/audio/transcriptions",
      Map.of("content-type", "multipart/form-data"), Buffer.buffer("x")), 400, "file"));
    Buffer good = form().file("file", "a.wav", "audio/wav", wav).body();
    c.add(new Case("transcriptions", "another boundary than the body's", RawHttp.request("POST", "/v1/audio/transcriptions",
      Map.of("content-type", "multipart/form-data; boundary=not-the-one"), good), 400, null));
    Multipart cutForm = form().file("file", "a.wav", "audio/wav", wav);
    Buffer cut = cutForm.body();
    c.add(new Case("transcriptions", "a body cut in half", RawHttp.request("POST", "/v1/audio/transcriptions",
      Map.of("content-type", cutForm.contentType()), cut.getBuffer(0, cut.length() / 2)), 400, null));
    c.add(new Case("transcriptions", "no file", upload(form()), 400, "file"));
    c.add(new Case("transcriptions", "an empty file", upload(form().file("file", "a.wav", "audio/wav", Buffer.buffer())), 400, "file"));
    c.add(new Case("transcriptions", "a WAV header cut at 30 bytes", upload(form().file("file", "a.wav", "audio/wav", wav.getBuffer(0, 30))), 400, "file"));
    c.add(new Case("transcriptions", "a WAV whose sizes lie", upload(form().file("file", "a.wav", "audio/wav", lyingWav())), 400, "file"));
    c.add(new Case("transcriptions", "a PNG named .wav", upload(form().file("file", "a.wav", "audio/wav",
      Buffer.buffer(java.util.Base64.getDecoder().decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")))),
      415, "file"));
    c.add(new Case("transcriptions", "response_format docx", upload(form().field("response_format", "docx").file("file", "a.wav", "audio/wav", wav)), 400, "response_format"));
    c.add(new Case("transcriptions", "temperature 5", upload(form().field("temperature", "5").file("file", "a.wav", "audio/wav", wav)), 400, "temperature"));
    c.add(new Case("transcriptions", "a language with a line break", upload(form().field("language", "en\r\n" + FORGED)
      .file("file", "a.wav", "audio/wav", wav)), 400, "language"));
    c.add(new Case("transcriptions", "a file over the upload limit", upload(form().file("file", "a.wav", "audio/wav",
      Buffer.buffer(new byte[(int) UPLOAD_LIMIT + 1]))), 413, null));
    c.add(new Case("transcriptions", "a 600 KB prompt field", upload(form().field("prompt", "p".repeat(600_000)).file("file", "a.wav", "audio/wav", wav)),
      400, "prompt"));
    // ---- batch ----
    c.add(new Case("batch", "requests missing", post("/v1/batch", "{}"), 400, "requests"));
    c.add(new Case("batch", "requests an object", post("/v1/batch", "{\"requests\":{}}"), 400, "requests"));
    c.add(new Case("batch", "101 items", post("/v1/batch", new JsonObject().put("requests",
      new JsonArray(java.util.Collections.nCopies(101, new JsonObject(chat(""))))).encode()), 400, "requests"));
    c.add(new Case("batch", "max_parallel 0", post("/v1/batch", "{\"requests\":[" + chat("") + "],\"max_parallel\":0}"), 400, "max_parallel"));
    c.add(new Case("batch", "item_timeout_ms -1", post("/v1/batch", "{\"requests\":[" + chat("") + "],\"item_timeout_ms\":-1}"), 400, "item_timeout_ms"));
    // ---- admin ----
    c.add(new Case("admin", "no token", RawHttp.request("GET", "/api/v1/providers/status", Map.of(), null), 401, null));
    c.add(new Case("admin", "a wrong token", RawHttp.request("GET", "/api/v1/providers/status", Map.of("authorization", "Bearer nope"), null), 401, null));
    c.add(new Case("admin", "the token in the query", RawHttp.request("GET", "/api/v1/providers/status?token=" + ADMIN + "&access_token=" + ADMIN,
      Map.of(), null), 401, null));
    c.add(new Case("admin", "the token with the Basic scheme", RawHttp.request("GET", "/api/v1/providers/status",
      Map.of("authorization", "Basic " + ADMIN), null), 401, null));
    c.add(new Case("admin", "an empty bearer", RawHttp.request("GET", "/api/v1/providers/status", Map.of("authorization", "Bearer "), null), 401, null));
    c.add(new Case("admin", "update with broken JSON", admin("POST", "/api/v1/providers/update", "{\"provider\":"), 400, null));
    c.add(new Case("admin", "update of an unknown provider", admin("POST", "/api/v1/providers/update", "{\"provider\":\"nope\",\"enabled\":false}"), 404, "provider"));
    c.add(new Case("admin", "update with priority a string", admin("POST", "/api/v1/providers/update", "{\"provider\":\"flite\",\"priority\":\"high\"}"), 400, "priority"));
    c.add(new Case("admin", "strategy unknown", admin("PUT", "/api/v1/strategy", "{\"strategy\":\"cheapest\"}"), 400, "strategy"));
    c.add(new Case("admin", "compare-cost without a model", admin("POST", "/api/v1/providers/compare-cost", "{\"messages\":[]}"), 400, "model"));
    // ---- usage ----
    c.add(new Case("usage", "from not a date", admin("GET", "/api/v1/usage?from=yesterday-ish", null), 400, "from"));
    c.add(new Case("usage", "group_by unknown", admin("GET", "/api/v1/usage?group_by=colour", null), 400, "group_by"));
    c.add(new Case("usage", "export limit negative", admin("GET", "/api/v1/usage/export?limit=-1", null), 400, "limit"));
    // ---- keys ----
    c.add(new Case("keys", "a name that is a number", admin("POST", "/api/v1/keys", "{\"name\":5}"), 400, "name"));
    c.add(new Case("keys", "a name with a line break", admin("POST", "/api/v1/keys", new JsonObject().put("name", "team\r\n" + FORGED).encode()), 400, "name"));
    c.add(new Case("keys", "a negative budget", admin("POST", "/api/v1/keys", "{\"name\":\"t\",\"limits\":{\"daily_budget_usd\":-5}}"), 400, "daily_budget_usd"));
    c.add(new Case("keys", "a rate past 32 bits (not wrapped to 0, no limit)",
      admin("POST", "/api/v1/keys", "{\"name\":\"t\",\"limits\":{\"requests_per_minute\":4294967296}}"), 400, "requests_per_minute"));
    c.add(new Case("keys", "limits a string", admin("POST", "/api/v1/keys", "{\"name\":\"t\",\"limits\":\"all\"}"), 400, "limits"));
    c.add(new Case("keys", "privacy unknown", admin("POST", "/api/v1/keys", "{\"name\":\"t\",\"limits\":{\"privacy\":\"public\"}}"), 400, "privacy"));
    c.add(new Case("keys", "an unknown key", admin("GET", "/api/v1/keys/k_doesnotexist", null), 404, null));
    String live = "/api/v1/keys/" + idOf(liveKey);
    c.add(new Case("keys", "limits of an unknown key", admin("PATCH", "/api/v1/keys/k_doesnotexist", "{\"limits\":{\"daily_budget_usd\":1}}"), 404, "id"));
    c.add(new Case("keys", "limits of a revoked key", admin("PATCH", "/api/v1/keys/" + idOf(revokedKey), "{\"limits\":{\"daily_budget_usd\":1}}"), 409, "id"));
    c.add(new Case("keys", "a negative budget on a change", admin("PATCH", live, "{\"limits\":{\"daily_budget_usd\":-1}}"), 400, "daily_budget_usd"));
    c.add(new Case("keys", "a rate past 32 bits on a change", admin("PATCH", live, "{\"limits\":{\"requests_per_minute\":4294967296}}"), 400, "requests_per_minute"));
    c.add(new Case("keys", "a misspelt limit on a change", admin("PATCH", live, "{\"limits\":{\"daily_budget\":1}}"), 400, "daily_budget"));
    c.add(new Case("keys", "a change without limits", admin("PATCH", live, "{}"), 400, "limits"));
    c.add(new Case("keys", "a change of the name", admin("PATCH", live, "{\"name\":\"other\",\"limits\":{}}"), 400, "name"));
    c.add(new Case("keys", "a change in broken JSON", admin("PATCH", live, "{\"limits\":"), 400, null));
    c.add(new Case("keys", "a change without the admin token", json("PATCH", live, "{\"limits\":{\"daily_budget_usd\":1}}", Map.of()), 401, null));
    c.add(new Case("keys", "a revoked key on chat", json("POST", chatPath, chat(""), Map.of("authorization", "Bearer " + revokedKey)), 401, null));
    c.add(new Case("keys", "a forged sb- key", json("POST", chatPath, chat(""), Map.of("authorization", "Bearer sb-k_forged-0123456789")), 401, null));
    c.add(new Case("keys", "a revoked key as x-api-key", json("POST", embedPath, "{\"model\":\"text-embedding-3-small\",\"input\":\"a\"}",
      Map.of("x-api-key", revokedKey)), 401, null));
    // ---- protocol ----
    c.add(new Case("protocol", "TLS hello on the plain port", new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03,
      '\r', '\n', '\r', '\n'}, 400, null));
    c.add(new Case("protocol", "a request line of garbage", bytes("HELLO THERE\r\n\r\n"), 400, null));
    c.add(new Case("protocol", "a 20 KB header", RawHttp.request("GET", "/v1/models", Map.of("x-big", "b".repeat(20_000)), null), 431, null));
    c.add(new Case("protocol", "a 10 KB URI", RawHttp.request("GET", "/v1/models?q=" + "u".repeat(10_000), Map.of(), null), 414, null));
    c.add(new Case("protocol", "a header name with a space", bytes("GET /v1/models HTTP/1.1\r\nhost: x\r\nbad header: 1\r\nconnection: close\r\n\r\n"), 400, null));
    c.add(new Case("protocol", "content-length not a number", bytes("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
      + "content-length: ten\r\nconnection: close\r\n\r\n{}"), 400, null));
    c.add(new Case("protocol", "content-length and chunked together", bytes("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
      + "content-length: 4\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n"), 400, null));
    c.add(new Case("protocol", "a chunk size that is not hex", bytes("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
      + "transfer-encoding: chunked\r\nconnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"), 400, null));
    c.add(new Case("protocol", "GET on a POST route", RawHttp.request("GET", chatPath, Map.of(), null), 405, null));
    c.add(new Case("protocol", "an unknown path", RawHttp.request("GET", "/v2/everything", Map.of(), null), 404, null));
    c.add(new Case("protocol", "an x-request-id with a control character", json("POST", chatPath, chat(""),
      Map.of("x-request-id", "r\u0001" + FORGED)), 400, null));
    c.add(new Case("protocol", "an x-request-id with a bare CR", json("POST", chatPath, chat(""),
      Map.of("x-request-id", "r\r" + FORGED)), 400, null));
    return c;
  }

  /** A WAV header that claims more data than the file holds. */
  static Buffer lyingWav() {
    Buffer b = wav.getBuffer(0, 2000).copy();
    b.setIntLE(40, 50_000_000);
    return b;
  }

  @Test
  void everyBadInputGetsA4xxNamingTheFieldAndTheNodeServesAfter() throws Exception {
    List<Case> table = cases();
    assertTrue(table.size() >= 60, "at least 60 cases: " + table.size());
    List<String> failures = new ArrayList<>();
    for (Case c : table) {
      try {
        RawHttp.Response res = send(c.request());
        String why = check(c, res);
        if (why != null) {
          failures.add(c + " -> " + why + ": " + res);
        }
      } catch (Exception e) {
        failures.add(c + " -> no answer: " + e.getMessage());
      }
    }
    assertEquals(List.of(), failures, failures.size() + " of " + table.size() + " cases failed:\n" + String.join("\n", failures));
    assertServesNormally();
    assertNoForgedLogLine();
  }

  /** Null when {@code res} is the right refusal for {@code c}, else what is wrong with it. */
  static String check(Case c, RawHttp.Response res) {
    if (res.status() != c.status()) {
      return "status " + res.status() + ", expected " + c.status();
    }
    if (!res.headers().getOrDefault("content-type", "").startsWith("application/json")) {
      return "not a JSON error";
    }
    JsonObject error;
    try {
      error = res.json().getJsonObject("error");
    } catch (RuntimeException e) {
      return "not an OpenAI error body";
    }
    if (error == null || !(error.getValue("message") instanceof String) || !(error.getValue("type") instanceof String)
      || !error.containsKey("param") || !error.containsKey("code")) {
      return "not an OpenAI error body (message, type, param, code)";
    }
    if (c.param() != null && !c.param().equals(error.getString("param"))) {
      return "param " + error.getString("param") + ", expected " + c.param();
    }
    return null;
  }

  static void assertServesNormally() throws Exception {
    RawHttp.Response chat = send(post("/v1/chat/completions", chat("")));
    assertEquals(200, chat.status(), chat.toString());
    RawHttp.Response embed = send(post("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"a\"}"));
    assertEquals(200, embed.status(), embed.toString());
    RawHttp.Response speech = send(post("/v1/audio/speech", speech("")));
    assertEquals(200, speech.status(), speech.toString());
    assertEquals("RIFF", speech.body().getString(0, 4));
    RawHttp.Response text = send(upload(form().field("response_format", "json").file("file", "a.wav", "audio/wav", wav)));
    assertEquals(200, text.status(), text.toString());
    SpokenAudio.assertResembles(text.json().getString("text"));
    RawHttp.Response keyed = send(json("POST", "/v1/chat/completions", chat(""), Map.of("authorization", "Bearer " + liveKey)));
    assertEquals(200, keyed.status(), keyed.toString());
  }

  /** Every record of the run, formatted as the node's logging does: none starts with the forged text. */
  static void assertNoForgedLogLine() {
    OneLineFormatter formatter = assertInstanceOf(OneLineFormatter.class, Logger.getLogger("").getHandlers()[0].getFormatter(),
      "conf/logging.properties sets the node's formatter");
    for (LogRecord r : logs) {
      String out = formatter.format(r);
      if (out.lines().anyMatch(l -> l.startsWith(FORGED) || l.contains("\r"))) {
        fail("a log line was forged: " + out);
      }
    }
  }
}
