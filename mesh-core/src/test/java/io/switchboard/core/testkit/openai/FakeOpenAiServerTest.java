package io.switchboard.core.testkit.openai;

import io.switchboard.core.testkit.Await;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;


import static io.switchboard.core.testkit.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fake's own wire format, read with a plain HTTP client, so tests elsewhere can trust what it sends. */
@ExtendWith(VertxExtension.class)
class FakeOpenAiServerTest {

  private FakeOpenAiServer fake;
  private HttpClient client;
  /**
   * The one event-loop context the client is used on. Vert.x 5.0.8's HttpClient, called straight from a thread that
   * is not Vert.x's (this test's), now and then never sends a request or never completes its response (measured
   * with a plain server and client: 4 of 2,400 sequential calls hung from the JUnit thread, 0 of 2,400 from a
   * context); Switchboard's own code always calls it on a context.
   */
  private Context context;

  /** A status, the headers that matter and the whole body. */
  private record Reply(int status, String contentType, String retryAfter, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    fake = await(FakeOpenAiServer.start(vertx));
    client = vertx.createHttpClient();
    context = vertx.getOrCreateContext();
  }

  @AfterEach
  void tearDown() throws Exception {
    await(client.close());
    await(fake.close());
  }

  private Reply call(HttpMethod method, String path, JsonObject body, String key) {
    return await(send(method, path, body, key));
  }

  private Future<Reply> send(HttpMethod method, String path, JsonObject body, String key) {
    RequestOptions o = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(fake.port()).setURI(path);
    if (key != null) {
      o.putHeader("Authorization", "Bearer " + key);
    }
    Promise<Reply> reply = Promise.promise();
    context.runOnContext(v -> client.request(o)
      .compose(req -> body == null ? req.send() : req.send(body.toBuffer()))
      .compose(resp -> resp.body().map(b -> reply(resp, b)))
      .onComplete(reply));
    return reply.future();
  }

  private static Reply reply(HttpClientResponse resp, Buffer body) {
    return new Reply(resp.statusCode(), resp.getHeader("content-type"), resp.getHeader("retry-after"), body.toString());
  }

  private static JsonObject chatBody(boolean stream) {
    return new JsonObject().put("model", "gpt-4o-mini").put("stream", stream)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "Hello there, fake")));
  }

  @Test
  void baseUrlPointsAtV1OnLoopback() {
    assertEquals("http://127.0.0.1:" + fake.port() + "/v1", fake.baseUrl());
  }

  @Test
  void wholeCompletionHasOpenAisShape() throws Exception {
    fake.enqueue(Behaviour.reply("Hi!"));
    Reply r = call(HttpMethod.POST, "/v1/chat/completions", chatBody(false), null);
    assertEquals(200, r.status());
    assertEquals("application/json", r.contentType());
    JsonObject json = r.json();
    assertEquals("chat.completion", json.getString("object"));
    assertEquals("gpt-4o-mini", json.getString("model"));
    assertEquals("Hi!", json.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));
    assertEquals("stop", json.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    assertEquals(4L, json.getJsonObject("usage").getLong("prompt_tokens"), "17 characters / 4");
    assertEquals(1, fake.requestCount());
    assertEquals("Hello there, fake", fake.lastRequest().body().getJsonArray("messages").getJsonObject(0).getString("content"));
  }

  @Test
  void streamIsSseFramedAndEndsWithDone() throws Exception {
    fake.enqueue(Behaviour.reply("ab cd"));
    Reply r = call(HttpMethod.POST, "/v1/chat/completions",
      chatBody(true).put("stream_options", new JsonObject().put("include_usage", true)), null);
    assertEquals("text/event-stream; charset=utf-8", r.contentType());
    String[] frames = r.body().split("\n\n", -1);
    // role, "ab ", "cd", finish, usage, [DONE], and the empty rest after the last blank line
    assertEquals(7, frames.length, r.body());
    assertTrue(frames[0].startsWith("data: {"));
    assertEquals("ab ", chunk(frames[1]).getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("content"));
    assertEquals("stop", chunk(frames[3]).getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    assertTrue(chunk(frames[4]).getJsonArray("choices").isEmpty());
    assertEquals(2L, chunk(frames[4]).getJsonObject("usage").getLong("completion_tokens"));
    assertEquals("data: [DONE]", frames[5]);
    assertEquals("", frames[6]);
  }

  private static JsonObject chunk(String frame) {
    return new JsonObject(frame.substring("data: ".length()));
  }

  @Test
  void streamWithoutIncludeUsageHasNoUsageChunk() throws Exception {
    fake.enqueue(Behaviour.reply("one two three").chunks(2));
    String body = call(HttpMethod.POST, "/v1/chat/completions", chatBody(true), null).body();
    // role, 2 content pieces, finish, [DONE]
    assertEquals(5, body.split("\n\n").length);
    assertTrue(!body.contains("\"usage\""));
  }

  @Test
  void cutClosesTheConnectionWithoutDone() {
    fake.enqueue(Behaviour.reply("a b c d").cutAfter(2));
    Await.failure(send(HttpMethod.POST, "/v1/chat/completions", chatBody(true), null), Throwable.class);
    assertEquals(0, fake.abortedCount(), "the server's own cut is not a client abort");
  }

  @Test
  void errorsUseOpenAisBodyAndHeaders() throws Exception {
    fake.enqueue(Behaviour.error(429, "Rate limit reached for requests").retryAfter("20"));
    Reply r = call(HttpMethod.POST, "/v1/chat/completions", chatBody(false), null);
    assertEquals(429, r.status());
    assertEquals("20", r.retryAfter());
    JsonObject error = r.json().getJsonObject("error");
    assertEquals("Rate limit reached for requests", error.getString("message"));
    assertEquals("requests", error.getString("type"));
    assertEquals("rate_limit_exceeded", error.getString("code"));
    assertTrue(error.containsKey("param"));
  }

  @Test
  void wrongKeyGets401EchoingPartOfIt() throws Exception {
    fake.requireKey("sk-right-000000000000");
    Reply wrong = call(HttpMethod.POST, "/v1/chat/completions", chatBody(false), "sk-wrong-key-123456789");
    assertEquals(401, wrong.status());
    assertEquals("invalid_api_key", wrong.json().getJsonObject("error").getString("code"));
    assertTrue(wrong.json().getJsonObject("error").getString("message")
      .startsWith("Incorrect API key provided: sk-wrong**********6789."), wrong.body());
    assertEquals(401, call(HttpMethod.POST, "/v1/chat/completions", chatBody(false), null).status());
    assertEquals(200, call(HttpMethod.POST, "/v1/chat/completions", chatBody(false), "sk-right-000000000000").status());
  }

  @Test
  void embeddingsModelsAndUnknownPaths() throws Exception {
    JsonObject emb = call(HttpMethod.POST, "/v1/embeddings",
      new JsonObject().put("model", "text-embedding-3-small").put("input", new JsonArray().add("a").add("b")).put("dimensions", 3), null).json();
    assertEquals(2, emb.getJsonArray("data").size());
    assertEquals(3, emb.getJsonArray("data").getJsonObject(0).getJsonArray("embedding").size());
    assertEquals("embedding", emb.getJsonArray("data").getJsonObject(1).getString("object"));

    JsonObject models = call(HttpMethod.GET, "/v1/models", null, null).json();
    assertEquals("list", models.getString("object"));
    assertEquals("gpt-4o-mini", models.getJsonArray("data").getJsonObject(0).getString("id"));

    Reply unknown = call(HttpMethod.POST, "/v1/nothing", new JsonObject(), null);
    assertEquals(404, unknown.status());
    assertEquals("Invalid URL (POST /v1/nothing)", unknown.json().getJsonObject("error").getString("message"));
  }

  @Test
  void refuseClosesAndTheDefaultAnswersWhenTheQueueIsEmpty() throws Exception {
    fake.enqueue(Behaviour.refuse());
    Await.failure(send(HttpMethod.GET, "/v1/models", null, null), Throwable.class);
    fake.setDefault(Behaviour.reply("default!"));
    assertEquals("default!", call(HttpMethod.POST, "/v1/chat/completions", chatBody(false), null).json()
      .getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));
    assertEquals(2, fake.requestCount());
    fake.reset();
    assertEquals(0, fake.requestCount());
    assertNull(fake.lastRequest());
  }
}
