package io.switchboard.llm.runpod;

import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.ChatFixture;
import io.switchboard.core.testkit.Drain;
import io.switchboard.core.testkit.TestVertx;
/*
 * Documented RunPod serverless (queue-based endpoint) behaviours this test covers (docs.runpod.io: Send API requests,
 * Operation reference, Job states; runpod-python's Endpoint/Job for the /stream loop), against FakeRunPod:
 * - https://api.runpod.ai/v2/{endpoint_id}/... with Authorization: Bearer <key>; body {"input": {...}};
 * - POST /runsync?wait= (1000..300000 ms) answering the finished job, or its IN_QUEUE / IN_PROGRESS status when the
 *   wait runs out, then GET /status/{id} until a terminal state;
 * - POST /run answering {"id","status":"IN_QUEUE"}; GET /stream/{id} answering {"status", "stream":[{"output":...}]}
 *   with the items produced since the last poll, polled until terminal and empty;
 * - job objects with delayTime / executionTime / output; worker output shapes (a string, vLLM worker token lists)
 *   read by conf JSON pointers, usage from the worker or estimated;
 * - POST /cancel/{id} when the caller cancels; no polling while the caller does not read;
 * - cold starts: a job IN_QUEUE past cold_after_ms degrades health until a job starts promptly or GET /health
 *   ({"jobs":{...},"workers":{"idle","running"}}) shows an idle worker.
 * Failures (terminal job states, HTTP errors, the network): RunPodFailuresTest.
 */

import io.switchboard.api.ChatRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Health;
import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendUnavailableException;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.testkit.runpod.FakeRunPod;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.switchboard.core.testkit.Await.await;
import static io.switchboard.llm.runpod.RunPodFixture.ctx;
import static io.switchboard.llm.runpod.RunPodFixture.request;
import static io.switchboard.core.testkit.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunPodBackendTest {

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  private final FakeRunPod fake = RunPodFixture.fake(vx);
  private final ChatFixture<RunPodBackend> kit = RunPodFixture.backends(vx, fake);
  private final RunPodBackend backend = kit.backend(new JsonObject());


  @Test
  void wholeAnswerThroughRunsync() {
    JsonObject out = kit.chat(backend, request(false), ctx(20_000));
    FakeRunPod.Call call = fake.calls("runsync").get(0);
    assertEquals("POST", call.method());
    assertEquals("/runsync", call.path());
    assertTrue(call.query().startsWith("wait="), call.query());
    assertEquals("Bearer " + FakeRunPod.KEY, call.authorization());
    assertEquals(new JsonObject().put("input", new JsonObject().put("prompt", "hello runpod world").put("max_tokens", 50)
      .put("temperature", 0.2)), call.body());
    JsonObject choice = out.getJsonArray("choices").getJsonObject(0);
    assertEquals("echo hello runpod world", choice.getJsonObject("message").getString("content"));
    assertEquals("stop", choice.getString("finish_reason"));
    assertTrue(out.getString("id").startsWith("runpod-"));
    assertEquals(("echo hello runpod world".length() + 3) / 4, out.getJsonObject("usage").getLong("completion_tokens"),
      "the echo worker reports no usage: estimated at four characters a token");
    assertTrue(fake.calls("status").isEmpty(), "a job done within the wait needs no polling");
  }

  @Test
  void unfinishedRunsyncIsPolledThroughStatus() {
    fake.plan = new FakeRunPod.JobPlan(0, 700, "COMPLETED", null, "text"); // four words, two seconds of work
    RunPodBackend rp = kit.backend(new JsonObject().put("runsync_wait_ms", 1_000));
    JsonObject out = kit.chat(rp, request(false), ctx(20_000));
    assertEquals("echo hello runpod world", out.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));
    assertFalse(fake.calls("status").isEmpty(), "the job outlived the runsync wait");
    String id = out.getString("id").substring("runpod-".length());
    assertTrue(fake.calls("status").stream().allMatch(c -> c.path().equals("/status/" + id)));
  }

  @Test
  void templatesAndPointersFitAVllmStyleWorker() {
    RunPodBackend vllm = kit.backend(new JsonObject()
      .put("input", new JsonObject().put("prompt", "{prompt}").put("sampling_params", new JsonObject()
        .put("max_tokens", "{max_tokens}").put("stop", "{stop}").put("top_p", "{top_p}")))
      .put("output_pointer", "/output/0/choices/0/tokens")
      .put("stream_pointer", "/output/choices/0/tokens")
      .put("usage_pointer", "/output/0/usage"));
    fake.plan = new FakeRunPod.JobPlan(0, 5, "COMPLETED", null, "vllm");
    JsonObject out = kit.chat(vllm, request(false), ctx(20_000));
    JsonObject input = fake.calls("runsync").get(0).body().getJsonObject("input");
    assertEquals(new JsonObject().put("prompt", "hello runpod world").put("sampling_params", new JsonObject().put("max_tokens", 50)),
      input, "unset placeholders (stop, top_p) are left out");
    assertEquals("echo hello runpod world", out.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));
    assertEquals(new JsonObject().put("prompt_tokens", 18).put("completion_tokens", 4).put("total_tokens", 22), out.getJsonObject("usage"),
      "the worker's own usage, found by usage_pointer");

    Drain.Drained d = kit.stream(vllm, request(true), ctx(20_000));
    assertNull(d.failure());
    assertEquals("echo hello runpod world", d.text());
    assertEquals(22, d.trailer().getJsonObject("usage").getLong("total_tokens"));
  }

  @Test
  void streamPollsRunAndStream() {
    fake.plan = new FakeRunPod.JobPlan(0, 60, "COMPLETED", null, "text");
    Drain.Drained d = kit.stream(backend, request(true), ctx(20_000));
    assertNull(d.failure());
    assertEquals("echo hello runpod world", d.text());
    assertEquals(1, fake.calls("run").size());
    assertTrue(fake.calls("stream").size() >= 2, "the words came over several polls");
    JsonObject first = d.chunks().get(0);
    assertEquals("assistant", first.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("role"));
    assertEquals("chat.completion.chunk", first.getString("object"));
    JsonObject last = d.chunks().get(d.chunks().size() - 1);
    assertEquals("stop", last.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    assertTrue(d.trailer().getJsonObject("usage").getLong("completion_tokens") > 0);
    assertTrue(fake.cancelled.isEmpty());
  }

  @Test
  void callerCancellingSendsCancel() {
    fake.plan = new FakeRunPod.JobPlan(0, 2_000, "COMPLETED", null, "text");
    Context ctx = vx.get().getOrCreateContext();
    AtomicReference<ChunkPipe<JsonObject>> pipe = new AtomicReference<>();
    ctx.runOnContext(v -> pipe.set(backend.chatStream(request(true), ctx(20_000))));
    await(fake.once(() -> !fake.calls("stream").isEmpty()));
    ctx.runOnContext(v -> pipe.get().cancel());
    RunPodFixture.cancels(fake, 1);
    assertEquals(fake.job().id, fake.cancelled.get(0));
  }

  @Test
  void slowReaderStopsThePolling() {
    fake.plan = new FakeRunPod.JobPlan(0, 20, "COMPLETED", null, "text"); // 201 words over four seconds
    String prompt = IntStream.range(0, 200).mapToObj(i -> "w" + i).collect(Collectors.joining(" "));
    ChatRequest longAnswer = ChatRequest.fromJson(request(true).toJson().put("messages", new JsonArray()
      .add(new JsonObject().put("role", "user").put("content", prompt))));
    Context ctx = vx.get().getOrCreateContext();
    AtomicReference<ChunkPipe<JsonObject>> pipe = new AtomicReference<>();
    ctx.runOnContext(v -> pipe.set(backend.chatStream(longAnswer, ctx(20_000))));
    // Nobody reads: once 64 chunks wait in the pipe the adapter must stop polling, where it would otherwise poll
    // every 20 ms and pile the whole answer up in memory.
    await(fake.once(() -> !fake.jobs.isEmpty() && fake.job().delivered >= 64));
    Await.quiet(vx.get(), 500); // a poll already on its way lands
    int polls = fake.calls("stream").size();
    Await.quiet(vx.get(), 300);
    assertEquals(polls, fake.calls("stream").size(), "no polling while the pipe is full");
    assertTrue(fake.job().delivered < 201);

    Promise<Drain.Drained> p = Promise.promise();
    ctx.runOnContext(v -> Drain.read(pipe.get(), p));
    Drain.Drained d = await(p.future());
    assertNull(d.failure());
    assertEquals("echo " + prompt, d.text(), "polling resumed once the reader drained the pipe");
  }

  @Test
  void queuedPastTheThresholdDegradesHealthUntilAJobStartsPromptly() {
    RunPodBackend rp = kit.backend(new JsonObject().put("cold_after_ms", 300).put("health_probe_ms", 60_000));
    assertEquals(Health.UP, await(rp.health()));
    fake.plan = new FakeRunPod.JobPlan(1_500, 5, "COMPLETED", null, "text");
    Future<JsonObject> slow = kit.call(rp, request(false), ctx(20_000));
    // runsync answers IN_QUEUE after its 1 s wait (past cold_after_ms) and the job is polled: the endpoint is cold.
    await(fake.once(() -> !fake.calls("status").isEmpty()));
    Health cold = healthOf(rp);
    assertEquals(Health.Status.DEGRADED, cold.status());
    assertTrue(cold.reason().startsWith("cold start: job queued "), cold.reason());
    await(slow); // the queued job still completes
    assertEquals(Health.Status.DEGRADED, healthOf(rp).status(), "that job started late: still cold");

    fake.plan = FakeRunPod.JobPlan.quick();
    kit.chat(rp, request(false), ctx(20_000));
    assertEquals(Health.UP, healthOf(rp), "a job that starts promptly means warm workers");
  }

  @Test
  void coldEndpointRecoversWhenHealthShowsAnIdleWorker() {
    RunPodBackend rp = kit.backend(new JsonObject().put("cold_after_ms", 300).put("health_probe_ms", 0));
    fake.plan = new FakeRunPod.JobPlan(60_000, 5, "COMPLETED", null, "text");
    MeshException e = kit.chatFails(rp, request(false), ctx(4_000));
    assertEquals(ErrorCode.TIMEOUT, e.errorCode());
    assertEquals(Health.Status.DEGRADED, healthOf(rp).status(), "no idle worker yet");
    fake.idleWorkers = 1;
    assertEquals(Health.UP, healthOf(rp));
    assertFalse(fake.calls("health").isEmpty());
  }

  private static Health healthOf(RunPodBackend b) {
    try {
      return await(b.health());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void providerReadsConfAndEnvironment() {
    BackendUnavailableException noKey = assertThrows(BackendUnavailableException.class, () -> new RunPodProvider()
      .create(vx.get(), new BackendConfig(new JsonObject().put("id", "rp").put("endpoint_id", "x"), Map.of())));
    assertEquals("RUNPOD_API_KEY not set", noKey.getMessage());
    BackendUnavailableException noEndpoint = assertThrows(BackendUnavailableException.class, () -> new RunPodProvider()
      .create(vx.get(), new BackendConfig(new JsonObject().put("id", "rp"), Map.of("RUNPOD_API_KEY", "k-123456789"))));
    assertTrue(noEndpoint.getMessage().contains("RUNPOD_ENDPOINT_ID not set"));

    RunPodSettings s = RunPodSettings.from(new BackendConfig(new JsonObject().put("id", "rp"),
      Map.of("RUNPOD_API_KEY", "k-123456789", "RUNPOD_ENDPOINT_ID", "abc-1")));
    assertEquals("https://api.runpod.ai/v2/abc-1", s.endpointUrl());
    assertEquals(RunPodSettings.defaultInput(), s.input());
    assertFalse(s.toString().contains("k-123456789"));
    assertEquals(Privacy.PRIVATE, backend.descriptor().privacy());
    assertEquals("runpod-serverless", backend.descriptor().type());
    assertThrows(IllegalArgumentException.class, () -> RunPodSettings.from(new BackendConfig(new JsonObject().put("id", "rp")
      .put("endpoint_id", "../etc"), Map.of("RUNPOD_API_KEY", "k-123456789"))));
  }
}
