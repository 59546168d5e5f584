package io.switchboard.app.chaos;

import io.switchboard.core.testkit.chaos.Fault;
import io.switchboard.core.testkit.chaos.Fault.Reply;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

import static io.switchboard.app.chaos.ChaosRow.Expect.FAILOVER;
import static io.switchboard.app.chaos.ChaosRow.Expect.SERVED;

/**
 * The chaos table's rows for the transcription adapters that are not OpenAI's form upload: RunPod's faster-whisper
 * worker (a job: {@code /run}, then {@code /status} polls) and OpenRouter's transcription by an audio chat model. Besides
 * the faults every whole answer meets, the answers their APIs really give on a bad day: a 429 with {@code Retry-After}
 * in seconds or as an HTTP-date (failed over, not counted by the breaker, the backend cooling down as told), 5xx with the
 * API's own JSON error body, a RunPod job that ends {@code FAILED}, {@code CANCELLED} or {@code TIMED_OUT}, a status
 * poll that errs (failed over) or is rate limited once (waited out: served), and OpenRouter's 200
 * whose body is an error. Each row says the OpenAI code of the faulty backend's failure.
 */
final class TranscriptionChaosRows {

  static final String UPSTREAM = "upstream_error";
  static final String TIMEOUT = "timeout";
  static final String RATE_LIMITED = "rate_limit_exceeded";
  static final String UNAVAILABLE = "no_healthy_backend";
  /** Far past any row: the cool-down it asks for is still running when the row is checked. */
  static final long RETRY_AFTER_S = 600;

  private TranscriptionChaosRows() {
  }

  static void runPodWhisper(List<ChaosRow> rows) {
    Adapter a = Adapter.RUNPOD_WHISPER;
    wholeWithCodes(rows, a);
    apiErrors(rows, a, status -> new JsonObject().put("error", "worker pool error " + status).encode());
    rows.add(row(a, "/run answers a FAILED job", Fault.reply(job("FAILED", "CUDA out of memory")).on("/run"),
      FAILOVER, true, UPSTREAM));
    rows.add(row(a, "the job ends FAILED", Fault.reply(job("FAILED", "CUDA out of memory")).on("/status/"),
      FAILOVER, true, UPSTREAM));
    rows.add(row(a, "the job ends CANCELLED upstream", Fault.reply(job("CANCELLED", null)).on("/status/"), FAILOVER, true, UPSTREAM));
    rows.add(row(a, "the job ends TIMED_OUT", Fault.reply(job("TIMED_OUT", null)).on("/status/"), FAILOVER, true, TIMEOUT));
    rows.add(row(a, "the job COMPLETED with the worker's error as output", Fault.reply(Reply.json(200, new JsonObject()
      .put("id", "chaos-job-1").put("status", "COMPLETED").put("output", new JsonObject().put("error", "audio could not be decoded"))
      .encode())).on("/status/"), FAILOVER, true, UPSTREAM));
    rows.add(row(a, "the job stays IN_QUEUE (no worker comes)", Fault.reply(job("IN_QUEUE", null)).on("/status/"), FAILOVER, true,
      TIMEOUT));
    rows.add(row(a, "a status poll reset", Fault.resetBeforeHeaders().on("/status/"), FAILOVER, true, UNAVAILABLE));
    rows.add(row(a, "a status poll answers 500", Fault.reply(Reply.json(500, "{\"error\":\"internal error\"}")).on("/status/"),
      FAILOVER, true, UPSTREAM));
    rows.add(row(a, "a status poll answers 404 (job unknown)", Fault.reply(Reply.json(404, "{\"error\":\"job not found\"}"))
      .on("/status/"), FAILOVER, true, UPSTREAM));
    rows.add(row(a, "a status poll's first byte after the timeout", Fault.slowFirstByte(ChaosConf.LATE_MS).on("/status/"),
      FAILOVER, true, TIMEOUT));
    rows.add(row(a, "a status poll with malformed JSON", Fault.malformedJson().on("/status/"), FAILOVER, true, UPSTREAM));
    rows.add(row(a, "a status poll rate limited once (Retry-After: 1)", Fault.reply(Reply.json(429,
      "{\"error\":\"too many requests\"}").header("retry-after", "1")).on("/status/").times(1), SERVED, false, null));
  }

  static void openRouter(List<ChaosRow> rows) {
    Adapter a = Adapter.OPENROUTER_TRANSCRIPTION;
    wholeWithCodes(rows, a);
    apiErrors(rows, a, status -> new JsonObject().put("error", new JsonObject().put("code", status)
      .put("message", "Provider returned error")).encode());
    rows.add(row(a, "a 200 whose body is an error", Fault.reply(Reply.json(200, new JsonObject().put("error", new JsonObject()
      .put("code", 502).put("message", "Provider returned error")).encode())), FAILOVER, true, UPSTREAM));
    rows.add(row(a, "a choice that finished with an error", Fault.reply(Reply.json(200, new JsonObject()
      .put("id", "gen-1").put("object", "chat.completion").put("choices", new JsonArray().add(new JsonObject().put("index", 0)
        .put("finish_reason", "error").put("message", new JsonObject().put("role", "assistant").put("content", ""))
        .put("error", new JsonObject().put("code", 502).put("message", "upstream provider failed")))).encode())),
      FAILOVER, true, UPSTREAM));
  }

  /**
   * The code of each failover of {@link UpstreamChaosTest#whole}, the same for both adapters (their HTTP client maps the
   * faults): a connection reset before any response is the way to the backend gone, a late or endless answer a timeout,
   * anything else the upstream's error.
   */
  static final Map<String, String> WHOLE_CODES = Map.of(
    "reset before headers", UNAVAILABLE,
    "reset after headers", UPSTREAM,
    "503 from the gateway", UPSTREAM,
    "first byte after the timeout", TIMEOUT,
    "an HTML page with 200", UPSTREAM,
    "reset mid-body", UPSTREAM,
    "malformed JSON", UPSTREAM,
    "a body that never ends", TIMEOUT);

  /** The faults every whole answer meets ({@link UpstreamChaosTest#whole}), each failover with its code. */
  private static void wholeWithCodes(List<ChaosRow> rows, Adapter a) {
    List<ChaosRow> whole = new java.util.ArrayList<>();
    UpstreamChaosTest.whole(whole, a);
    for (ChaosRow r : whole) {
      if (r.expect() == FAILOVER && !WHOLE_CODES.containsKey(r.faultName())) {
        throw new IllegalStateException("no code for the row " + r);
      }
      rows.add(r.expect() == FAILOVER ? r.code(WHOLE_CODES.get(r.faultName())) : r);
    }
  }

  /** The API's own error answers: rate limits with both forms of Retry-After, and 5xx with its JSON error body. */
  private static void apiErrors(List<ChaosRow> rows, Adapter a, java.util.function.IntFunction<String> errorBody) {
    String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(RETRY_AFTER_S));
    rows.add(row(a, "429 with Retry-After in seconds", Fault.reply(Reply.json(429, errorBody.apply(429))
      .header("retry-after", String.valueOf(RETRY_AFTER_S))), FAILOVER, false, RATE_LIMITED));
    rows.add(row(a, "429 with Retry-After as an HTTP-date", Fault.reply(Reply.json(429, errorBody.apply(429))
      .header("retry-after", date)), FAILOVER, false, RATE_LIMITED));
    rows.add(row(a, "500 with a JSON error body", Fault.reply(Reply.json(500, errorBody.apply(500))), FAILOVER, true, UPSTREAM));
    rows.add(row(a, "503 with a JSON error body", Fault.reply(Reply.json(503, errorBody.apply(503))), FAILOVER, true, UPSTREAM));
  }

  private static ChaosRow row(Adapter a, String name, Fault fault, ChaosRow.Expect expect, boolean counts, String code) {
    return new ChaosRow(a, false, name, fault, expect, counts).code(code);
  }

  /** A RunPod job document in {@code status} (with the worker's {@code error}, if any), as {@code /run} or {@code /status} answers it. */
  private static Reply job(String status, String error) {
    JsonObject job = new JsonObject().put("id", "chaos-job-1").put("status", status).put("delayTime", 120).put("executionTime", 800);
    if (error != null) {
      job.put("error", error);
    }
    return Reply.json(200, job.encode());
  }
}
