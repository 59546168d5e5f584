package io.switchboard.llm.runpod;

import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.Drain;
import io.switchboard.core.testkit.OnContext;
/*
 * Documented RunPod failures this test covers (docs.runpod.io: Job states, Operation reference, rate limits),
 * against FakeRunPod: jobs ending FAILED (with the worker's "error" text, which /stream does not carry and /status
 * does), TIMED_OUT, CANCELLED; HTTP 400 bad input, 401 bad key, 404 unknown endpoint, 413 payload over the limit,
 * 429 with Retry-After, 5xx with JSON or plain bodies; a slow answer past request_ms; the request deadline passing
 * while the job is IN_QUEUE (POST /cancel/{id} sent); a connection reset mid-stream (the pipe fails after content,
 * the job is cancelled).
 */

import io.switchboard.api.ChatRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.CallContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static io.switchboard.core.testkit.Await.await;
import static io.switchboard.core.testkit.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunPodFailuresTest {

  private static Vertx vertx;
  private FakeRunPod fake;
  private RunPodBackend backend;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() throws Exception {
    await(vertx.close());
  }

  @BeforeEach
  void start() throws Exception {
    fake = await(new FakeRunPod(vertx).start());
    backend = backend(new JsonObject());
  }

  @AfterEach
  void stop() throws Exception {
    await(backend.stop());
    await(fake.stop());
  }

  private RunPodBackend backend(JsonObject overrides) {
    JsonObject conf = new JsonObject().put("id", "rp").put("type", "runpod-serverless").put("base_url", fake.baseUrl())
      .put("endpoint_id", FakeRunPod.ENDPOINT).put("prompt_format", "last_user").put("stream_poll_ms", 20)
      .put("poll_initial_ms", 20).put("poll_max_ms", 100).mergeIn(overrides, true);
    return (RunPodBackend) new RunPodProvider().create(vertx, new BackendConfig(conf, Map.of("RUNPOD_API_KEY", FakeRunPod.KEY)));
  }

  private static ChatRequest request(boolean stream) {
    return ChatRequest.fromJson(new JsonObject().put("model", "my-worker").put("stream", stream).put("max_tokens", 50)
      .put("temperature", 0.2).put("messages", new JsonArray()
        .add(new JsonObject().put("role", "system").put("content", "terse"))
        .add(new JsonObject().put("role", "user").put("content", "hello runpod world"))));
  }

  private static CallContext ctx(long ms) {
    return new CallContext("req-1", null, System.currentTimeMillis() + ms);
  }

  private Future<JsonObject> chat(RunPodBackend b, ChatRequest r, CallContext c) {
    return OnContext.start(vertx, () -> b.chat(r, c));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "FAILED,    UPSTREAM,  CUDA out of memory",
    "TIMED_OUT, TIMEOUT,   timed out on the endpoint",
    "CANCELLED, UPSTREAM,  was cancelled upstream",
  })
  void terminalJobStatesMapToTheirClass(String state, ErrorCode code, String mentions) throws Exception {
    fake.plan = new FakeRunPod.JobPlan(0, 5, state, "torch.OutOfMemoryError: CUDA out of memory (key " + FakeRunPod.KEY + ")", "text");
    MeshException whole = failure(chat(backend, request(false), ctx(20_000)));
    Drain.Drained streamed = await(Drain.stream(vertx, () -> backend.chatStream(request(true), ctx(20_000))));
    for (MeshException e : new MeshException[] {whole, streamed.meshFailure()}) {
      assertEquals(code, e.errorCode(), e.getMessage());
      assertTrue(e.getMessage().contains(mentions), e.getMessage());
      assertFalse(e.getMessage().contains(FakeRunPod.KEY), "the worker's error text is redacted");
    }
    assertTrue(fake.cancelled.isEmpty(), "a job that ended needs no cancel");
  }

  @ParameterizedTest(name = "{1} on /{0} -> {4}")
  @CsvSource(delimiter = '|', value = {
    "runsync | 400 | {\"error\":\"input: prompt must be a string\"} |   | INVALID_REQUEST   | 0    | prompt must be a string",
    "runsync | 413 | {\"error\":\"payload too large\"}               |   | PAYLOAD_TOO_LARGE | 0    | too large",
    "runsync | 429 | {\"error\":\"rate limit exceeded\"}             | 5 | RATE_LIMITED      | 5000 | rate limit",
    "runsync | 500 | {\"error\":\"internal error\"}                   |   | UPSTREAM          | 0    | upstream error 500",
    "runsync | 503 | no healthy upstream                             |   | UPSTREAM          | 0    | no healthy upstream",
    "run     | 429 | {\"error\":\"rate limit exceeded\"}             | 2 | RATE_LIMITED      | 2000 | rate limit",
    "run     | 502 | bad gateway                                     |   | UPSTREAM          | 0    | upstream error 502",
  })
  void httpFailuresMapToTheirClass(String op, int status, String body, String retryAfter, ErrorCode code, long retryMs,
                                   String mentions) throws Exception {
    fake.failNext = new FakeRunPod.Failure(op, status, body, retryAfter);
    MeshException e = op.equals("run")
      ? await(Drain.stream(vertx, () -> backend.chatStream(request(true), ctx(20_000)))).meshFailure()
      : failure(chat(backend, request(false), ctx(20_000)));
    assertEquals(code, e.errorCode(), e.getMessage());
    assertEquals(retryMs, e.retryAfterMs());
    assertTrue(e.getMessage().contains(mentions), e.getMessage());
  }

  @Test
  void realRejectionsOfTheFake() throws Exception {
    RunPodBackend wrongKey = (RunPodBackend) new RunPodProvider().create(vertx, new BackendConfig(new JsonObject()
      .put("id", "rp").put("base_url", fake.baseUrl()).put("endpoint_id", FakeRunPod.ENDPOINT),
      Map.of("RUNPOD_API_KEY", "rpa_WRONG000000000000000")));
    MeshException auth = failure(chat(wrongKey, request(false), ctx(20_000)));
    assertEquals(ErrorCode.UPSTREAM, auth.errorCode());
    assertTrue(auth.getMessage().contains("rejected the credentials"), auth.getMessage());
    await(wrongKey.stop());

    RunPodBackend noEndpoint = backend(new JsonObject().put("endpoint_id", "gone-404"));
    MeshException missing = failure(chat(noEndpoint, request(false), ctx(20_000)));
    assertEquals(ErrorCode.UNAVAILABLE, missing.errorCode());
    assertTrue(missing.getMessage().contains("gone-404 not found"), missing.getMessage());
    await(noEndpoint.stop());
  }

  @Test
  void slowAnswerTimesOut() throws Exception {
    RunPodBackend impatient = backend(new JsonObject().put("timeouts", new JsonObject().put("request_ms", 300)));
    fake.holdMs = 10_000;
    Drain.Drained d = await(Drain.stream(vertx, () -> impatient.chatStream(request(true), ctx(20_000))));
    assertEquals(ErrorCode.TIMEOUT, d.meshFailure().errorCode());
    assertTrue(d.meshFailure().getMessage().contains("within 300 ms"), d.meshFailure().getMessage());
    await(impatient.stop());
  }

  @Test
  void deadlineCancelsTheQueuedJob() throws Exception {
    fake.plan = new FakeRunPod.JobPlan(60_000, 5, "COMPLETED", null, "text");
    RunPodBackend rp = backend(new JsonObject().put("cold_after_ms", 300)); // runsync answers after its 1 s minimum wait
    MeshException e = failure(chat(rp, request(false), ctx(3_000)));
    assertEquals(ErrorCode.TIMEOUT, e.errorCode());
    assertTrue(e.getMessage().contains("IN_QUEUE"), e.getMessage());
    Await.until("the job is cancelled", () -> fake.cancelled.size() == 1);
    assertTrue(fake.calls("cancel").get(0).uri().endsWith("/cancel/" + fake.cancelled.get(0)));
    assertEquals("POST", fake.calls("cancel").get(0).method());
    await(rp.stop());
  }

  @Test
  void cutStreamFailsAfterContentAndCancelsTheJob() throws Exception {
    fake.plan = new FakeRunPod.JobPlan(0, 60, "COMPLETED", null, "text");
    fake.resetStreamPoll = 3;
    Drain.Drained d = await(Drain.stream(vertx, () -> backend.chatStream(request(true), ctx(20_000))));
    assertFalse(d.chunks().isEmpty(), "content came before the cut");
    MeshException e = d.meshFailure();
    assertEquals(ErrorCode.UNAVAILABLE, e.errorCode(), e.getMessage());
    assertNull(d.trailer());
    Await.until("the job is cancelled", () -> fake.cancelled.size() == 1);
  }

  @Test
  void streamPastTheDeadlineCancelsTheJob() throws Exception {
    fake.plan = new FakeRunPod.JobPlan(60_000, 5, "COMPLETED", null, "text");
    Drain.Drained d = await(Drain.stream(vertx, () -> backend.chatStream(request(true), ctx(1_500))));
    assertEquals(ErrorCode.TIMEOUT, d.meshFailure().errorCode());
    assertTrue(d.meshFailure().getMessage().contains("IN_QUEUE"), d.meshFailure().getMessage());
    assertTrue(d.chunks().isEmpty());
    Await.until("the job is cancelled", () -> fake.cancelled.size() == 1);
  }
}
