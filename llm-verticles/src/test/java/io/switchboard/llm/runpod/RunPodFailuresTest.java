package io.switchboard.llm.runpod;

import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.ChatFixture;
import io.switchboard.core.testkit.Drain;
import io.switchboard.core.testkit.TestVertx;
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
import io.switchboard.core.testkit.runpod.FakeRunPod;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static io.switchboard.core.testkit.Await.await;
import static io.switchboard.llm.runpod.RunPodFixture.ctx;
import static io.switchboard.llm.runpod.RunPodFixture.request;
import static io.switchboard.core.testkit.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunPodFailuresTest {

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  private final FakeRunPod fake = RunPodFixture.fake(vx);
  private final ChatFixture<RunPodBackend> kit = RunPodFixture.backends(vx, fake);
  private final RunPodBackend backend = kit.backend(new JsonObject());


  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "FAILED,    UPSTREAM,  CUDA out of memory",
    "TIMED_OUT, TIMEOUT,   timed out on the endpoint",
    "CANCELLED, UPSTREAM,  was cancelled upstream",
  })
  void terminalJobStatesMapToTheirClass(String state, ErrorCode code, String mentions) {
    fake.plan = new FakeRunPod.JobPlan(0, 5, state, "torch.OutOfMemoryError: CUDA out of memory (key " + FakeRunPod.KEY + ")", "text");
    MeshException whole = kit.chatFails(backend, request(false), ctx(20_000));
    Drain.Drained streamed = kit.stream(backend, request(true), ctx(20_000));
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
                                   String mentions) {
    fake.failNext(op, status, body, retryAfter);
    MeshException e = op.equals("run")
      ? kit.stream(backend, request(true), ctx(20_000)).meshFailure()
      : kit.chatFails(backend, request(false), ctx(20_000));
    assertEquals(code, e.errorCode(), e.getMessage());
    assertEquals(retryMs, e.retryAfterMs());
    assertTrue(e.getMessage().contains(mentions), e.getMessage());
  }

  @Test
  void realRejectionsOfTheFake() {
    RunPodBackend wrongKey = kit.backend(new JsonObject(), "rpa_WRONG000000000000000");
    MeshException auth = kit.chatFails(wrongKey, request(false), ctx(20_000));
    assertEquals(ErrorCode.UPSTREAM, auth.errorCode());
    assertTrue(auth.getMessage().contains("rejected the credentials"), auth.getMessage());

    RunPodBackend noEndpoint = kit.backend(new JsonObject().put("endpoint_id", "gone-404"));
    MeshException missing = kit.chatFails(noEndpoint, request(false), ctx(20_000));
    assertEquals(ErrorCode.UNAVAILABLE, missing.errorCode());
    assertTrue(missing.getMessage().contains("gone-404 not found"), missing.getMessage());
  }

  @Test
  void slowAnswerTimesOut() {
    RunPodBackend impatient = kit.backend(new JsonObject().put("timeouts", new JsonObject().put("request_ms", 300)));
    fake.holdMs = 10_000;
    Drain.Drained d = kit.stream(impatient, request(true), ctx(20_000));
    assertEquals(ErrorCode.TIMEOUT, d.meshFailure().errorCode());
    assertTrue(d.meshFailure().getMessage().contains("within 300 ms"), d.meshFailure().getMessage());
  }

  @Test
  void deadlineCancelsTheQueuedJob() {
    fake.plan = new FakeRunPod.JobPlan(60_000, 5, "COMPLETED", null, "text");
    RunPodBackend rp = kit.backend(new JsonObject().put("cold_after_ms", 300)); // runsync answers after its 1 s minimum wait
    MeshException e = kit.chatFails(rp, request(false), ctx(3_000));
    assertEquals(ErrorCode.TIMEOUT, e.errorCode());
    assertTrue(e.getMessage().contains("IN_QUEUE"), e.getMessage());
    RunPodFixture.cancels(fake, 1);
    assertEquals("/cancel/" + fake.cancelled.get(0), fake.calls("cancel").get(0).path());
    assertEquals("POST", fake.calls("cancel").get(0).method());
  }

  @Test
  void cutStreamFailsAfterContentAndCancelsTheJob() {
    fake.plan = new FakeRunPod.JobPlan(0, 60, "COMPLETED", null, "text");
    fake.resetStreamPoll = 3;
    Drain.Drained d = kit.stream(backend, request(true), ctx(20_000));
    assertFalse(d.chunks().isEmpty(), "content came before the cut");
    MeshException e = d.meshFailure();
    assertEquals(ErrorCode.UNAVAILABLE, e.errorCode(), e.getMessage());
    assertNull(d.trailer());
    RunPodFixture.cancels(fake, 1);
  }

  @Test
  void streamPastTheDeadlineCancelsTheJob() {
    fake.plan = new FakeRunPod.JobPlan(60_000, 5, "COMPLETED", null, "text");
    Drain.Drained d = kit.stream(backend, request(true), ctx(1_500));
    assertEquals(ErrorCode.TIMEOUT, d.meshFailure().errorCode());
    assertTrue(d.meshFailure().getMessage().contains("IN_QUEUE"), d.meshFailure().getMessage());
    assertTrue(d.chunks().isEmpty());
    RunPodFixture.cancels(fake, 1);
  }
}
