package io.switchboard.llm.runpod;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A local RunPod serverless endpoint on 127.0.0.1 at {@code /v2/{endpoint_id}/...}: {@code /run}, {@code /runsync}
 * (holds up to {@code ?wait=} ms), {@code /status/{id}}, {@code /stream/{id}}, {@code /cancel/{id}}, {@code /health},
 * with {@code Authorization: Bearer} checked. Jobs are RunPod's JSON job objects ({@code id}, {@code status},
 * {@code delayTime}, {@code executionTime}, {@code output}, {@code error}) moving IN_QUEUE, IN_PROGRESS, then
 * COMPLETED (or a scripted FAILED / TIMED_OUT / CANCELLED). The worker echoes its {@code input.prompt}, one word
 * produced every {@link JobPlan#pieceMs()}; {@code /stream} hands out the words produced since the last poll as
 * {@code {"output": ...}} items.
 */
final class FakeRunPod {

  static final String KEY = "rpa_FAKEKEY0123456789ABCDEFGHIJ";
  static final String ENDPOINT = "vllm-abc123";

  /** How the next jobs behave. {@code shape} "text": output is a string; "vllm": RunPod vLLM worker's token lists. */
  record JobPlan(long queueMs, long pieceMs, String finalStatus, String error, String shape) {
    static JobPlan quick() {
      return new JobPlan(0, 5, "COMPLETED", null, "text");
    }
  }

  /** A scripted HTTP failure for the next call to {@code op} ({@code run}, {@code runsync}, {@code stream}, ...). */
  record Failure(String op, int status, String body, String retryAfter) {
  }

  record Call(String method, String op, String uri, String authorization, JsonObject body) {
  }

  final List<Call> calls = new CopyOnWriteArrayList<>();
  final List<String> cancelled = new CopyOnWriteArrayList<>();
  final Map<String, Job> jobs = new ConcurrentHashMap<>();

  volatile JobPlan plan = JobPlan.quick();
  volatile Failure failNext;
  /** Every answer is held this long first (a slow upstream). */
  volatile long holdMs;
  /** The n-th /stream poll (1-based) has its connection reset (a cut stream). */
  volatile int resetStreamPoll = -1;
  volatile int idleWorkers;

  private final Vertx vertx;
  private HttpServer server;
  private int streamPolls;

  FakeRunPod(Vertx vertx) {
    this.vertx = vertx;
  }

  Future<FakeRunPod> start() {
    server = vertx.createHttpServer();
    return server.requestHandler(this::handle).listen(0, "127.0.0.1").map(s -> this);
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort() + "/v2";
  }

  Future<Void> stop() {
    return server.close();
  }

  List<Call> calls(String op) {
    return calls.stream().filter(c -> c.op().equals(op)).toList();
  }

  final class Job {
    final String id = UUID.randomUUID() + "-u1";
    final long createdAt = System.currentTimeMillis();
    final JobPlan plan;
    final List<String> words = new ArrayList<>();
    final String prompt;
    volatile boolean cancelledByClient;
    volatile int delivered;

    Job(JobPlan plan, JsonObject input) {
      this.plan = plan;
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

    Object output(List<String> pieces) {
      if (plan.shape().equals("vllm")) {
        return new JsonArray().add(vllmItem(pieces));
      }
      return String.join("", pieces);
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
        case "COMPLETED" -> j.put("executionTime", now - startedAt()).put("output", output(words));
        case "FAILED" -> j.put("executionTime", now - startedAt()).put("error", plan.error());
        default -> {
        }
      }
      return j;
    }
  }

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(buf -> {
      String[] parts = req.path().split("/");
      // /v2/{endpoint}/{op}[/{id}]
      String op = parts.length > 3 ? parts[3] : "";
      JsonObject body = buf.length() == 0 ? null : buf.toJsonObject();
      calls.add(new Call(req.method().name(), op, req.uri(), req.getHeader("authorization"), body));
      Runnable answer = () -> answer(req, op, parts.length > 4 ? parts[4] : null, body);
      if (holdMs > 0) {
        vertx.setTimer(holdMs, t -> answer.run());
      } else {
        answer.run();
      }
    });
  }

  private void answer(HttpServerRequest req, String op, String jobId, JsonObject body) {
    HttpServerResponse resp = req.response();
    if (resp.closed()) {
      return;
    }
    if (!("Bearer " + KEY).equals(req.getHeader("authorization"))) {
      resp.setStatusCode(401).end("Unauthorized");
      return;
    }
    String[] parts = req.path().split("/");
    if (parts.length < 4 || !parts[1].equals("v2") || !parts[2].equals(ENDPOINT)) {
      resp.setStatusCode(404).end("404 page not found");
      return;
    }
    Failure f = failNext;
    if (f != null && f.op().equals(op)) {
      failNext = null;
      if (f.retryAfter() != null) {
        resp.putHeader("Retry-After", f.retryAfter());
      }
      resp.setStatusCode(f.status()).putHeader("content-type", "application/json").end(f.body());
      return;
    }
    long now = System.currentTimeMillis();
    switch (op) {
      case "run" -> submit(resp, body).ifPresent(job -> json(resp, new JsonObject().put("id", job.id).put("status", job.status(now))));
      case "runsync" -> submit(resp, body).ifPresent(job -> runsync(resp, job, Long.parseLong(req.getParam("wait", "90000"))));
      case "status" -> withJob(resp, jobId, job -> json(resp, job.json(now)));
      case "stream" -> withJob(resp, jobId, job -> stream(resp, job, now));
      case "cancel" -> withJob(resp, jobId, job -> {
        cancelled.add(job.id);
        job.cancelledByClient = true;
        json(resp, new JsonObject().put("id", job.id).put("status", "CANCELLED"));
      });
      case "health" -> json(resp, new JsonObject()
        .put("jobs", new JsonObject().put("completed", 0).put("failed", 0).put("inProgress", 0)
          .put("inQueue", jobs.values().stream().filter(j -> j.status(now).equals("IN_QUEUE")).count()).put("retried", 0))
        .put("workers", new JsonObject().put("idle", idleWorkers).put("running", 0)));
      default -> resp.setStatusCode(404).end("404 page not found");
    }
  }

  private java.util.Optional<Job> submit(HttpServerResponse resp, JsonObject body) {
    if (body == null || !(body.getValue("input") instanceof JsonObject input)) {
      resp.setStatusCode(400).putHeader("content-type", "application/json").end(new JsonObject().put("error", "input is required").encode());
      return java.util.Optional.empty();
    }
    Job job = new Job(plan, input);
    jobs.put(job.id, job);
    return java.util.Optional.of(job);
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
    json(resp, new JsonObject().put("status", status).put("stream", items));
  }

  private void withJob(HttpServerResponse resp, String id, java.util.function.Consumer<Job> action) {
    Job job = id == null ? null : jobs.get(id);
    if (job == null) {
      resp.setStatusCode(404).putHeader("content-type", "application/json").end(new JsonObject().put("error", "job not found").encode());
    } else {
      action.accept(job);
    }
  }

  private static void json(HttpServerResponse resp, JsonObject body) {
    resp.putHeader("content-type", "application/json").end(Buffer.buffer(body.encode()));
  }
}
