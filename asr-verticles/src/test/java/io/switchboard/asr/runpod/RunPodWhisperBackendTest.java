package io.switchboard.asr.runpod;

import io.switchboard.core.testkit.TestVertx;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.core.testkit.TestAudio;
import io.switchboard.core.backend.BackendUnavailableException;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.TranscriptionBackend;
import io.switchboard.core.testkit.runpod.FakeRunPod;
import io.switchboard.core.testkit.runpod.FakeRunPod.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Base64;
import java.util.List;
import java.util.Map;

import static io.switchboard.core.testkit.Await.await;
import static io.switchboard.core.testkit.Await.failure;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code runpod-whisper} against a fake RunPod queue endpoint running the faster-whisper worker. Documented
 * behaviours covered (RunPod docs: Serverless > Send requests / Operation reference; runpod-workers/worker-faster_whisper
 * README and predict.py):
 * <ul>
 *   <li>{@code POST /runsync?wait=ms} (wait 1000..300000) answers the finished job, or its id with
 *       {@code IN_QUEUE}/{@code IN_PROGRESS} when the wait ran out, and then {@code GET /status/{id}} is polled;</li>
 *   <li>{@code POST /run} answers {@code {"id","status":"IN_QUEUE"}}; {@code /status} goes through IN_QUEUE,
 *       IN_PROGRESS to COMPLETED (with delayTime/executionTime) or FAILED (with {@code error}), CANCELLED, TIMED_OUT;</li>
 *   <li>{@code POST /cancel/{id}} for a job still running at the deadline;</li>
 *   <li>worker input {@code audio_base64, model, transcription: plain_text, translate, language, initial_prompt,
 *       temperature, word_timestamps, enable_vad}; output {@code segments[{id (from 1), seek, start, end, text,
 *       tokens, ...}], detected_language, transcription, device, model};</li>
 *   <li>Bearer key; 401, 404, 400, 429 with Retry-After, 500 on submission; 429 while polling; the 20 MB /runsync
 *       and 10 MB /run request limits.</li>
 * </ul>
 */
class RunPodWhisperBackendTest {

  static final String KEY = FakeRunPod.KEY;

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  static final Vertx vertx = vx.get();
  static final FakeRunPod fake = vx.forClass(await(new FakeRunPod(vertx).start()), FakeRunPod::reset);
  TranscriptionBackend backend = create(new JsonObject());

  static TranscriptionBackend create(JsonObject overrides) {
    return create(overrides, Map.of("RUNPOD_API_KEY", KEY, "RUNPOD_WHISPER_URL", fake.endpointUrl() + "/"));
  }

  static TranscriptionBackend create(JsonObject overrides, Map<String, String> env) {
    JsonObject conf = new JsonObject().put("id", "runpod-whisper").put("type", "runpod-whisper")
      .put("models", new JsonArray().add("turbo").add("large-v3")).put("aliases", new JsonObject().put("heavy", "large-v3"))
      .put("async_above_seconds", 30).put("poll", new JsonObject().put("initial_ms", 20).put("max_ms", 80))
      .mergeIn(overrides);
    return vx.backend(new RunPodWhisperProvider(), conf, env);
  }

  static TranscriptionRequest request() {
    return new TranscriptionRequest("heavy", "en", "Vert.x mesh", 0.0, "verbose_json", "a.wav", "audio/wav", null);
  }

  static CallContext ctx(long ms) {
    return new CallContext("req-rp", null, System.currentTimeMillis() + ms);
  }

  static JsonObject status(String id, String status) {
    return new JsonObject().put("id", id).put("status", status);
  }

  /** What the faster-whisper worker puts in {@code output}. */
  static JsonObject transcript() {
    return new JsonObject()
      .put("segments", new JsonArray()
        .add(new JsonObject().put("id", 1).put("seek", 0).put("start", 0.0).put("end", 1.2).put("text", " Hello and welcome!")
          .put("tokens", new JsonArray().add(50364)).put("temperature", 0.0).put("avg_logprob", -0.3).put("no_speech_prob", 0.01))
        .add(new JsonObject().put("id", 2).put("seek", 120).put("start", 1.2).put("end", 2.0).put("text", " To the mesh.")))
      .put("detected_language", "en").put("transcription", "Hello and welcome! To the mesh.").put("translation", null)
      .put("device", "cuda").put("model", "large-v3");
  }

  static JsonObject completed(String id) {
    return status(id, "COMPLETED").put("delayTime", 824).put("executionTime", 3391).put("output", transcript());
  }

  static List<FakeRunPod.Call> calls() {
    return List.copyOf(fake.calls);
  }

  @Test
  void shortAudioRunsSynchronously() {
    fake.worker = input -> transcript();
    Buffer audio = TestAudio.wav(2.0, 16000);

    JsonObject out = await(backend.transcribe(request(), audio, ctx(20_000)));

    List<FakeRunPod.Call> calls = calls();
    assertEquals(1, calls.size());
    FakeRunPod.Call call = calls.get(0);
    assertEquals("/runsync", call.path());
    long wait = Long.parseLong(call.query().replace("wait=", ""));
    assertTrue(wait >= 1000 && wait <= 300_000, call.query());
    assertEquals("Bearer " + KEY, call.authorization());
    JsonObject input = call.body().getJsonObject("input");
    assertArrayEquals(audio.getBytes(), Base64.getDecoder().decode(input.getString("audio_base64")));
    assertEquals("large-v3", input.getString("model"));
    assertEquals("plain_text", input.getString("transcription"));
    assertEquals("en", input.getString("language"));
    assertEquals("Vert.x mesh", input.getString("initial_prompt"));
    assertEquals(0.0, input.getDouble("temperature"));
    assertEquals(false, input.getBoolean("word_timestamps"));
    assertEquals(false, input.getBoolean("translate"));

    assertEquals("Hello and welcome! To the mesh.", out.getString("text"));
    assertEquals("en", out.getString("language"));
    assertEquals(2.0, out.getDouble("duration"), 1e-9);
    JsonArray segments = out.getJsonArray("segments");
    assertEquals(new JsonObject().put("id", 0).put("start", 0.0).put("end", 1.2).put("text", " Hello and welcome!"), segments.getJsonObject(0));
    assertEquals(1, segments.getJsonObject(1).getInteger("id"));
  }

  @Test
  void runsyncThatOutlivesItsWaitIsPolled() {
    fake.script("runsync", Reply.json(status("sync-2", "IN_PROGRESS")));
    fake.script("status", Reply.json(status("sync-2", "IN_PROGRESS")), Reply.json(completed("sync-2")));
    JsonObject out = await(backend.transcribe(request(), TestAudio.wav(1, 8000), ctx(20_000)));
    assertEquals("Hello and welcome! To the mesh.", out.getString("text"));
    List<String> paths = calls().stream().map(FakeRunPod.Call::path).toList();
    assertEquals(List.of("/runsync", "/status/sync-2", "/status/sync-2"), paths);
  }

  @Test
  void longAudioGoesThroughRunAndStatusPolling() {
    backend = create(new JsonObject().put("async_above_seconds", 1));
    fake.script("run", Reply.json(status("job-1", "IN_QUEUE")));
    fake.script("status", Reply.json(status("job-1", "IN_QUEUE")), Reply.status(429, "").header("retry-after", "0.05"),
      Reply.json(status("job-1", "IN_PROGRESS").put("delayTime", 900)), Reply.json(completed("job-1")));
    JsonObject out = await(backend.transcribe(request(), TestAudio.wav(2, 8000), ctx(20_000)));
    assertEquals(2, out.getJsonArray("segments").size());
    List<FakeRunPod.Call> calls = calls();
    assertEquals("/run", calls.get(0).path());
    assertNull(calls.get(0).query(), "/run takes no wait parameter");
    assertEquals(5, calls.size(), "run + 4 status reads: " + calls);
    calls.subList(1, 5).forEach(c -> assertEquals("/status/job-1", c.path()));
    calls.subList(1, 5).forEach(c -> assertEquals("Bearer " + KEY, c.authorization()));
    assertTrue(fake.cancelled.isEmpty());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"FAILED,UPSTREAM,failed", "TIMED_OUT,TIMEOUT,timed out", "CANCELLED,UPSTREAM,cancelled upstream"})
  void terminalJobStatesFailWithoutCancelling(String state, ErrorCode code, String fragment) {
    backend = create(new JsonObject().put("async_above_seconds", 0));
    JsonObject end = status("job-2", state);
    if (state.equals("FAILED")) {
      end.put("error", "handler raised: CUDA out of memory (key " + KEY + ")");
    }
    fake.script("run", Reply.json(status("job-2", "IN_QUEUE")));
    fake.script("status", Reply.json(status("job-2", "IN_PROGRESS")), Reply.json(end));
    MeshException e = failure(backend.transcribe(request(), TestAudio.wav(1, 8000), ctx(20_000)));
    assertEquals(code, e.errorCode(), e.getMessage());
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
    assertFalse(e.getMessage().contains(KEY.substring(0, 8)), e.getMessage());
    if (state.equals("FAILED")) {
      assertTrue(e.getMessage().contains("CUDA out of memory"), e.getMessage());
    }
    assertTrue(fake.cancelled.isEmpty(), "a job RunPod ended is not cancelled");
  }

  @Test
  void jobStillRunningAtTheDeadlineIsCancelled() {
    backend = create(new JsonObject().put("async_above_seconds", 0));
    fake.script("run", Reply.json(status("job-3", "IN_QUEUE")));
    fake.script("status", Reply.json(status("job-3", "IN_PROGRESS")));
    // Long enough for the first call of a cold JVM to come back with the job's id, so the deadline finds it polling.
    MeshException e = failure(backend.transcribe(request(), TestAudio.wav(1, 8000), ctx(3_000)));
    assertEquals(ErrorCode.TIMEOUT, e.errorCode());
    assertTrue(e.getMessage().contains("job-3 still IN_PROGRESS"), e.getMessage());
    await(fake.once(() -> !fake.cancelled.isEmpty()));
    assertEquals("job-3", fake.cancelled.get(0));
  }

  @Test
  void aJobStillQueuedAtTheBackendsTotalBoundIsCancelledLongBeforeTheRequestsDeadline() {
    backend = create(new JsonObject().put("async_above_seconds", 0).put("timeouts", new JsonObject().put("total_ms", 2_000)));
    fake.script("run", Reply.json(status("job-q", "IN_QUEUE")));
    fake.script("status", Reply.json(status("job-q", "IN_QUEUE")));
    long started = System.currentTimeMillis();
    MeshException e = failure(backend.transcribe(request(), TestAudio.wav(1, 8000), ctx(60_000)));
    assertEquals(ErrorCode.TIMEOUT, e.errorCode(), "a timeout, which the router fails over: " + e.getMessage());
    assertTrue(e.getMessage().contains("job-q still IN_QUEUE"), e.getMessage());
    assertTrue(System.currentTimeMillis() - started < 30_000, "given up at total_ms, not at the request's deadline");
    await(fake.once(() -> fake.cancelled.contains("job-q")));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "400,'{\"error\":\"Invalid input: audio_base64 is not valid base64\"}',INVALID_REQUEST,not valid base64,0",
    "401,'',UPSTREAM,rejected the credentials,0",
    "404,'{\"error\":\"endpoint not found\"}',UNAVAILABLE,endpoint ep-abc123 not found,0",
    "429,'{\"error\":\"too many requests\"}',RATE_LIMITED,too many requests,3000",
    "500,'{\"error\":\"internal server error\"}',UPSTREAM,500,0"})
  void submissionErrorsMapToTheMeshTaxonomy(int httpStatus, String body, ErrorCode code, String fragment, long retry) {
    fake.failNext("runsync", httpStatus, body, httpStatus == 429 ? "3" : null);
    MeshException e = failure(backend.transcribe(request(), TestAudio.wav(0.5, 8000), ctx(20_000)));
    assertEquals(code, e.errorCode(), e.getMessage());
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
    assertEquals(retry, e.retryAfterMs());
    assertTrue(fake.cancelled.isEmpty());
  }

  @Test
  void audioOverTheRequestLimitIsRefusedLocally() {
    MeshException e = failure(backend.transcribe(request(), Buffer.buffer(new byte[15_500_000]), ctx(20_000)));
    assertEquals(ErrorCode.PAYLOAD_TOO_LARGE, e.errorCode());
    assertTrue(calls().isEmpty());
  }

  @Test
  void providerNamesTheMissingVariable() {
    var noUrl = assertThrows(BackendUnavailableException.class, () -> create(new JsonObject(), Map.of("RUNPOD_API_KEY", KEY)));
    assertEquals("RUNPOD_WHISPER_URL not set", noUrl.getMessage());
    var noKey = assertThrows(BackendUnavailableException.class, () -> create(new JsonObject(), Map.of("RUNPOD_WHISPER_URL", fake.endpointUrl())));
    assertEquals("RUNPOD_API_KEY not set", noKey.getMessage());
    assertNotNull(fake);
  }
}
