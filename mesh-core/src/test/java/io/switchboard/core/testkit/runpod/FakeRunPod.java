package io.switchboard.core.testkit.runpod;

import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.FakeServer;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A local RunPod serverless queue endpoint on 127.0.0.1 at {@code /v2/{endpoint_id}/...}: {@code /run},
 * {@code /runsync} (holds up to {@code ?wait=} ms), {@code /status/{id}}, {@code /stream/{id}}, {@code /cancel/{id}},
 * {@code /health}, with {@code Authorization: Bearer} checked (401 {@code Unauthorized} as plain text) and unknown
 * endpoints and jobs answered 404. Jobs are RunPod's JSON job objects ({@code id}, {@code status},
 * {@code delayTime}, {@code executionTime}, {@code output}, {@code error}) moving IN_QUEUE, IN_PROGRESS, then
 * COMPLETED (or a planned FAILED / TIMED_OUT / CANCELLED).
 *
 * <p>The worker echoes its {@code input.prompt}, one word produced every {@link JobPlan#pieceMs()}; {@code /stream}
 * hands out the words produced since the last poll as {@code {"output": ...}} items. Another worker is a function
 * of the input ({@link #worker}, e.g. a faster-whisper transcript). A test may also script an operation's answers
 * outright ({@link #script}), or fail its next call ({@link #failNext}). Every call is recorded; what the fake saw
 * can be waited for ({@link #once}). Thread-safe.
 */
public final class FakeRunPod extends FakeServer implements AutoCloseable {

  public static final String KEY = "rpa_FAKEKEY0123456789ABCDEFGHIJ";
  public static final String ENDPOINT = "ep-abc123";

  /** How the next jobs behave. {@code shape} "text": output is a string; "vllm": RunPod vLLM worker's token lists. */
  public record JobPlan(long queueMs, long pieceMs, String finalStatus, String error, String shape) {
    public static JobPlan quick() {
      return new JobPlan(0, 5, "COMPLETED", null, "text");
    }

    /** Queued for {@code queueMs}, then done at once. */
    public static JobPlan queued(long queueMs) {
      return new JobPlan(queueMs, 5, "COMPLETED", null, "text");
    }

    /** Ends in {@code status} ({@code FAILED} with the worker's {@code error}, {@code TIMED_OUT}, {@code CANCELLED}). */
    public static JobPlan ending(String status, String error) {
      return new JobPlan(0, 5, status, error, "text");
    }
  }

  /** One scripted answer: status, headers and body as they go on the wire. */
  public record Reply(int status, Map<String, String> headers, String body) {
    public static Reply json(JsonObject body) {
      return new Reply(200, Map.of(), body.encode());
    }

    public static Reply status(int status, String body) {
      return new Reply(status, Map.of(), body);
    }

    public Reply header(String name, String value) {
      Map<String, String> h = new java.util.HashMap<>(headers);
      h.put(name, value);
      return new Reply(status, Map.copyOf(h), body);
    }
  }

  /** One call the fake received: {@code path} below the endpoint ({@code /status/abc}), {@code query} or null. */
  public record Call(String method, String op, String path, String query, String authorization, JsonObject body) {
  }

  public final List<Call> calls = new CopyOnWriteArrayList<>();
  public final List<String> cancelled = new CopyOnWriteArrayList<>();
  public final Map<String, Job> jobs = new ConcurrentHashMap<>();

  public volatile JobPlan plan = JobPlan.quick();
  /** What a COMPLETED job's {@code output} is, from its input; null: the echo worker of {@link #plan}. */
  public volatile Function<JsonObject, Object> worker;
  /** Every answer is held this long first (a slow upstream). */
  public volatile long holdMs;
  /** The n-th /stream poll (1-based) has its connection reset (a cut stream). */
  public volatile int resetStreamPoll = -1;
  public volatile int idleWorkers;

  private final Map<String, List<Reply>> scripts = new ConcurrentHashMap<>();
  private final Map<String, Reply> failures = new ConcurrentHashMap<>();
  private int streamPolls;

  public FakeRunPod(Vertx vertx) {
    super(vertx);
  }

  public Future<FakeRunPod> start() {
    return listen().map(v -> this);
  }

  /** {@code http://127.0.0.1:<port>/v2}: a chat backend's {@code base_url}. */
  public String baseUrl() {
    return url("/v2");
  }

  /** {@code http://127.0.0.1:<port>/v2/<endpoint>}: what {@code RUNPOD_WHISPER_URL} names. */
  public String endpointUrl() {
    return baseUrl() + "/" + ENDPOINT;
  }

  @Override
  public void close() {
    Await.await(stop());
  }

  /** The calls to {@code op} ({@code run}, {@code runsync}, {@code status}, ...), oldest first. */
  public List<Call> calls(String op) {
    return calls.stream().filter(c -> c.op().equals(op)).toList();
  }

  /** The only job submitted so far. */
  public Job job() {
    return jobs.values().iterator().next();
  }

  /** Answers the next calls to {@code op} with {@code replies}, in order; the last one repeats, as a polled status does. */
  public FakeRunPod script(String op, Reply... replies) {
    scripts.computeIfAbsent(op, k -> new CopyOnWriteArrayList<>()).addAll(List.of(replies));
    return this;
  }

  /** The next call to {@code op} fails with this status, body and optional Retry-After; then the fake works again. */
  public FakeRunPod failNext(String op, int status, String body, String retryAfter) {
    Reply r = Reply.status(status, body);
    failures.put(op, retryAfter == null ? r : r.header("Retry-After", retryAfter));
    return this;
  }

  /** Forgets the calls, jobs, scripts and plans of the test before. */
  public void reset() {
    calls.clear();
    cancelled.clear();
    jobs.clear();
    scripts.clear();
    failures.clear();
    plan = JobPlan.quick();
    worker = null;
    holdMs = 0;
    resetStreamPoll = -1;
    idleWorkers = 0;
    synchronized (this) {
      streamPolls = 0;
    }
  }

  /** One job the worker runs: words produced over time from its prompt, or the worker function's output. */
  public final class Job {
    public final String id = UUID.randomUUID() + "-u1";
    final long createdAt = System.currentTimeMillis();
    final JobPlan plan;
    final JsonObject input;
    final List<String> words = new ArrayList<>();
    final String prompt;
    volatile boolean cancelledByClient;
    /** Words handed out by {@code /stream} so far. */
    public volatile int delivered;

    Job(JobPlan plan, JsonObject input) {
      this.plan = plan;
      this.input = input;
      this.prompt = String.valueOf(input.getValue("prompt"));
      String[] split = ("echo " + prompt).split(" ");
      for (int i = 0; i < split.length; i++) {
        words.add(i == 0 ? split[i] : " " + split[i]);
      }
    }

    long startedAt() {
      return createdAt + plan.queueMs();
    }

    int produced(long now) {
      if (now < startedAt()) {
        return 0;
      }
      return (int) Math.min(words.size(), (now - startedAt()) / Math.max(1, plan.pieceMs()) + 1);
    }

    String status(long now) {
      if (cancelledByClient) {
        return "CANCELLED";
      }
      if (now < startedAt()) {
        return "IN_QUEUE";
      }
      return produced(now) < words.size() ? "IN_PROGRESS" : plan.finalStatus();
    }

    Object output() {
      Function<JsonObject, Object> w = worker;
      if (w != null) {
        return w.apply(input);
      }
      return plan.shape().equals("vllm") ? new JsonArray().add(vllmItem(words)) : String.join("", words);
    }

    JsonObject vllmItem(List<String> pieces) {
      return new JsonObject()
        .put("choices", new JsonArray().add(new JsonObject().put("tokens", new JsonArray(new ArrayList<>(pieces)))))
        .put("usage", new JsonObject().put("input", prompt.length()).put("output", pieces.size()));
    }

    JsonObject json(long now) {
      String status = status(now);
      JsonObject j = new JsonObject().put("id", id).put("status", status);
      if (!status.equals("IN_QUEUE")) {
        j.put("delayTime", startedAt() - createdAt);
      }
      switch (status) {
        case "COMPLETED" -> j.put("executionTime", now - startedAt()).put("output", output());
        case "FAILED" -> j.put("executionTime", now - startedAt()).put("error", plan.error());
        default -> {
        }
      }
      return j;
    }
  }

  @Override
  protected void handle(HttpServerRequest req) {
    req.body().onSuccess(buf -> {
      // /v2/{endpoint}/{op}[/{id}]
      String[] parts = req.path().split("/");
      String op = parts.length > 3 ? parts[3] : "";
      String endpointPath = "/v2/" + (parts.length > 2 ? parts[2] : "");
      JsonObject body = buf.length() == 0 ? null : buf.toJsonObject();
      calls.add(new Call(req.method().name(), op, req.path().substring(Math.min(req.path().length(), endpointPath.length())),
        req.query(), req.getHeader("authorization"), body));
      conditions.changed();
      Runnable answer = () -> answer(req, parts, op, parts.length > 4 ? parts[4] : null, body);
      if (holdMs > 0) {
        vertx.setTimer(holdMs, t -> answer.run());
      } else {
        answer.run();
      }
    });
  }

  private void answer(HttpServerRequest req, String[] parts, String op, String jobId, JsonObject body) {
    HttpServerResponse resp = req.response();
    if (resp.closed()) {
      return;
    }
    if (!("Bearer " + KEY).equals(req.getHeader("authorization"))) {
      resp.setStatusCode(401).end("Unauthorized");
      return;
    }
    if (parts.length < 4 || !parts[1].equals("v2") || !parts[2].equals(ENDPOINT)) {
      resp.setStatusCode(404).end("404 page not found");
      return;
    }
    Reply failure = failures.remove(op);
    if (failure != null) {
      send(resp, failure);
      return;
    }
    List<Reply> script = scripts.get(op);
    if (script != null && !script.isEmpty()) {
      send(resp, script.size() > 1 ? script.remove(0) : script.get(0));
      if (op.equals("cancel")) {
        cancelled.add(jobId);
        conditions.changed();
      }
      return;
    }
    long now = System.currentTimeMillis();
    switch (op) {
      case "run" -> submit(resp, body).ifPresent(job -> json(resp, new JsonObject().put("id", job.id).put("status", job.status(now))));
      case "runsync" -> submit(resp, body).ifPresent(job -> runsync(resp, job, Long.parseLong(req.getParam("wait", "90000"))));
      case "status" -> withJob(resp, jobId, job -> json(resp, job.json(now)));
      case "stream" -> withJob(resp, jobId, job -> stream(resp, job, now));
      case "cancel" -> cancel(resp, jobId);
      case "health" -> json(resp, new JsonObject()
        .put("jobs", new JsonObject().put("completed", 0).put("failed", 0).put("inProgress", 0)
          .put("inQueue", jobs.values().stream().filter(j -> j.status(now).equals("IN_QUEUE")).count()).put("retried", 0))
        .put("workers", new JsonObject().put("idle", idleWorkers).put("running", 0)));
      default -> resp.setStatusCode(404).end("404 page not found");
    }
  }

  private void cancel(HttpServerResponse resp, String jobId) {
    Job job = jobId == null ? null : jobs.get(jobId);
    if (job != null) {
      job.cancelledByClient = true;
    }
    cancelled.add(jobId);
    conditions.changed();
    if (job == null) {
      notFound(resp);
    } else {
      json(resp, new JsonObject().put("id", job.id).put("status", "CANCELLED"));
    }
  }

  private Optional<Job> submit(HttpServerResponse resp, JsonObject body) {
    if (body == null || !(body.getValue("input") instanceof JsonObject input)) {
      resp.setStatusCode(400).putHeader("content-type", "application/json").end(new JsonObject().put("error", "input is required").encode());
      return Optional.empty();
    }
    Job job = new Job(plan, input);
    jobs.put(job.id, job);
    return Optional.of(job);
  }

  private void runsync(HttpServerResponse resp, Job job, long waitMs) {
    long until = System.currentTimeMillis() + waitMs;
    vertx.setPeriodic(5, timer -> {
      long now = System.currentTimeMillis();
      String s = job.status(now);
      boolean terminal = !s.equals("IN_QUEUE") && !s.equals("IN_PROGRESS");
      if (terminal || now >= until || resp.closed()) {
        vertx.cancelTimer(timer);
        if (!resp.closed()) {
          json(resp, job.json(now));
        }
      }
    });
  }

  private void stream(HttpServerResponse resp, Job job, long now) {
    synchronized (this) {
      streamPolls++;
      if (streamPolls == resetStreamPoll) {
        resp.reset();
        return;
      }
    }
    String status = job.status(now);
    int produced = job.cancelledByClient ? job.delivered : job.produced(now);
    JsonArray items = new JsonArray();
    for (int i = job.delivered; i < produced; i++) {
      items.add(new JsonObject().put("output", job.plan.shape().equals("vllm")
        ? job.vllmItem(List.of(job.words.get(i))) : job.words.get(i)));
    }
    job.delivered = produced;
    conditions.changed();
    json(resp, new JsonObject().put("status", status).put("stream", items));
  }

  private void withJob(HttpServerResponse resp, String id, Consumer<Job> action) {
    Job job = id == null ? null : jobs.get(id);
    if (job == null) {
      notFound(resp);
    } else {
      action.accept(job);
    }
  }

  private static void notFound(HttpServerResponse resp) {
    resp.setStatusCode(404).putHeader("content-type", "application/json").end(new JsonObject().put("error", "job not found").encode());
  }

  private static void send(HttpServerResponse resp, Reply r) {
    MultiMap h = resp.headers();
    r.headers().forEach(h::add);
    resp.setStatusCode(r.status()).putHeader("content-type", "application/json").end(r.body());
  }

  private static void json(HttpServerResponse resp, JsonObject body) {
    resp.putHeader("content-type", "application/json").end(Buffer.buffer(body.encode()));
  }
}
