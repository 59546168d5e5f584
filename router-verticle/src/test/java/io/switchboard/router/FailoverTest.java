package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.ApiKey;
import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.ChatChunks;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.Health;
import io.switchboard.api.MeshException;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.api.Prices;
import io.switchboard.api.Privacy;
import io.switchboard.api.Strategy;
import io.switchboard.api.StreamProtocol;
import io.switchboard.api.Usage;
import io.switchboard.core.stream.BusStreams;
import io.switchboard.core.stream.ChunkPipe;
import io.switchboard.router.admin.AdminState;
import io.switchboard.router.health.BreakerSettings;
import io.switchboard.router.health.Breakers;
import io.switchboard.router.health.Cooldowns;
import io.switchboard.router.health.HealthProber;
import io.switchboard.router.health.PassiveStats;
import io.switchboard.router.limits.Limits;
import io.switchboard.router.limits.RateLimiter;
import io.switchboard.router.policy.Candidate;
import io.switchboard.router.policy.RequestSize;
import io.switchboard.router.policy.RetryPolicy;
import io.switchboard.router.policy.RoutePlan;
import io.switchboard.router.registry.BackendRegistry;
import io.switchboard.router.usage.Admission;
import io.switchboard.router.usage.Metering;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The failover loop at its seam, as a table: a plan of candidates whose instances answer as each row scripts them
 * (real consumers on their instance addresses, no backend verticle, no policy), the request sent through
 * {@link Failover} and {@link AnswerRelay} with the router's real breakers, limits and cool-downs; each row says which
 * backend serves or which error the caller gets, how often each backend was called, what the route explanation says
 * was skipped, and what was recorded.
 */
@ExtendWith(VertxExtension.class)
class FailoverTest {

  /**
   * One row. {@code backends}: per candidate in plan order, {@code id=step,step,...}; a step is what the instance
   * answers to its next call: {@code ok}, a status ({@code 502}, {@code 400}), {@code 429/30} (with a Retry-After of
   * 30 ms), {@code stream/3} (three chunks, then the end), {@code cut/3} (three chunks, then an upstream failure);
   * {@code gone} alone means the instance has no consumer. {@code calls}: {@code id=n} per backend.
   */
  record Row(String name, String backends, boolean failover, int retries, String served, ErrorCode error, String calls,
             String skipped) {
    @Override
    public String toString() {
      return name;
    }
  }

  static List<Row> rows() {
    return List.of(
      new Row("the first candidate serves", "a=ok b=ok", true, 0, "a", null, "a=1 b=0", ""),
      new Row("an upstream fault moves on to the next candidate", "a=502 b=ok", true, 0, "b", null, "a=1 b=1", "a"),
      new Row("the caller's own mistake is not tried elsewhere", "a=400 b=ok", true, 2, null, ErrorCode.INVALID_REQUEST, "a=1 b=0", ""),
      new Row("without failover only the first is tried, and retried", "a=502,502,ok b=ok", false, 1, null, ErrorCode.UPSTREAM,
        "a=2 b=0", "a"),
      new Row("when all fail, the last that failed retryably is retried", "a=503 b=502,ok", true, 2, "b", null, "a=1 b=2", "a b"),
      new Row("a retry honours the backend's Retry-After and then serves", "a=429/30,ok", true, 1, "a", null, "a=2", "a"),
      new Row("with no retry left a rate limit reaches the caller", "a=429/30", true, 0, null, ErrorCode.RATE_LIMITED, "a=1", "a"),
      new Row("a vanished instance costs no retry: the next backend serves", "a=gone b=ok", true, 0, "b", null, "a=0 b=1", "a"),
      new Row("a stream is relayed to its end", "a=stream/3 b=ok", true, 0, "a", null, "a=1 b=0", ""),
      new Row("a stream cut after content ends in an error, never elsewhere", "a=cut/3 b=ok", true, 2, null, ErrorCode.UPSTREAM,
        "a=1 b=0", ""),
      new Row("a stream failing before any content moves on", "a=cut/0 b=ok", true, 0, "b", null, "a=1 b=1", "a"),
      new Row("an empty plan is a 503", "", true, 2, null, ErrorCode.UNAVAILABLE, "", ""));
  }

  /** How one request ended for its caller, and the backend its first answer named. */
  private record Outcome(String servedBy, ErrorCode error, int chunks) {
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void failover(Row row, Vertx vertx, VertxTestContext test) {
    MeshExceptionCodec.register(vertx);
    Map<String, Queue<String>> scripts = scripts(row.backends());
    Map<String, Integer> calls = new ConcurrentHashMap<>();
    List<Finished> recorded = new CopyOnWriteArrayList<>();
    BackendRegistry registry = new BackendRegistry(60_000, System::currentTimeMillis);
    List<Candidate> candidates = new ArrayList<>();
    List<Future<Void>> ready = new ArrayList<>();
    scripts.forEach((id, steps) -> {
      BackendDescriptor d = descriptor(id);
      registry.announce(d);
      candidates.add(new Candidate(d, "m1"));
      calls.put(id, 0);
      if (!"gone".equals(steps.peek())) {
        ready.add(vertx.eventBus().<Object>consumer(Addresses.instance(d.instanceId()), m -> {
          calls.merge(id, 1, Integer::sum);
          answer(vertx, m, steps.poll());
        }).completion());
      }
    });
    RouterState state = state(vertx);
    InstanceTracker instances = new InstanceTracker(registry, state::now);
    Failover failover = new Failover(vertx, instances, state, new AnswerRelay(instances, state, 5000, new AnswerCache(vertx, null, 5000)), () -> 0.5);
    Metering metering = recording(recorded);
    RoutePlan plan = new RoutePlan(candidates, List.of(), row.failover(), Privacy.CLOUD, Strategy.FALLBACK);
    ready.add(vertx.eventBus().<Object>consumer("test.failover", m -> {
      RoutedRequest r = new RoutedRequest(m, Capability.CHAT, Headers.OP_CHAT, "m1", RoutedRequest.Forward.json((JsonObject) m.body()),
        10_000, RequestSize.ZERO, new RetryPolicy(row.retries(), 1, 5), metering, state::now);
      r.planned(plan);
      r.admitted(Admission.NONE);
      failover.start(r);
    }).completion());
    Future.all(ready).compose(v -> call(vertx)).onComplete(test.succeeding(outcome -> test.verify(() -> {
      assertEquals(row.served(), outcome.servedBy(), "served by");
      assertEquals(row.error(), outcome.error(), "error");
      assertEquals(expectedCalls(row.calls()), calls, "calls per backend");
      assertEquals(1, recorded.size(), "one record");
      Finished f = recorded.get(0);
      assertEquals(row.error(), f.error(), "recorded error");
      if (row.served() != null) {
        assertEquals(row.served(), f.target().backend(), "recorded backend");
      }
      Set<String> skipped = f.route().skipped().stream().map(s -> s.backend()).collect(Collectors.toSet());
      assertEquals(row.skipped().isEmpty() ? Set.of() : Set.of(row.skipped().split(" ")), skipped, "skipped: " + f.route().toHeader());
      if (row.backends().contains("stream/") && row.served() != null) {
        assertTrue(f.answer().streamed(), "recorded as a stream");
        assertEquals(3, outcome.chunks(), "every chunk relayed");
      }
      if (row.backends().startsWith("a=cut/") && row.error() != null) {
        // What reached the caller before the cut is billed: w0 w1 w2, six characters at four a token.
        assertEquals(Usage.estimate(0, 6), Usage.fromJson(f.answer().usage()), "the cut stream's usage");
        assertTrue(f.billable(), "a cut stream that reached the caller is billed");
      }
      test.completeNow();
    })));
  }

  private static Map<String, Queue<String>> scripts(String backends) {
    Map<String, Queue<String>> out = new LinkedHashMap<>();
    for (String b : backends.isBlank() ? new String[0] : backends.split(" ")) {
      String[] kv = b.split("=");
      out.put(kv[0], new ArrayDeque<>(Arrays.asList(kv[1].split(","))));
    }
    return out;
  }

  private static Map<String, Integer> expectedCalls(String calls) {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (String c : calls.isBlank() ? new String[0] : calls.split(" ")) {
      String[] kv = c.split("=");
      out.put(kv[0], Integer.parseInt(kv[1]));
    }
    return out;
  }

  private static BackendDescriptor descriptor(String id) {
    return new BackendDescriptor(id, id + "@1", "scripted", Set.of(Capability.CHAT), List.of("m1"), Map.of(), Privacy.CLOUD, 10,
      Map.of("*", Prices.FREE), 16, Health.UP, false);
  }

  /** The instance's answer to one call, as its script says. */
  private static void answer(Vertx vertx, Message<Object> m, String step) {
    if (step == null || step.equals("ok")) {
      m.reply(ChatChunks.completion("cmpl", 1, "m1", "hello", "stop", new Usage(3, 1)));
    } else if (step.startsWith("stream/") || step.startsWith("cut/")) {
      int chunks = Integer.parseInt(step.substring(step.indexOf('/') + 1));
      ChunkPipe<JsonObject> pipe = new ChunkPipe<>();
      BusStreams.serve(m, pipe, 5000,
        (batch, first) -> new JsonObject().put(StreamProtocol.CHUNKS, new JsonArray(List.copyOf(batch))),
        (batch, trailer) -> trailer.copy().put(StreamProtocol.CHUNKS, new JsonArray(List.copyOf(batch))));
      emit(vertx, pipe, chunks, step.startsWith("cut/"), 0);
    } else {
      String[] code = step.split("/");
      long retryAfter = code.length > 1 ? Long.parseLong(code[1]) : 0;
      m.reply(new MeshException(ErrorCode.fromFailureCode(Integer.parseInt(code[0])), "scripted " + step, null, retryAfter));
    }
  }

  /** One chunk per timer tick, so that the stream really is several bus messages. */
  private static void emit(Vertx vertx, ChunkPipe<JsonObject> pipe, int chunks, boolean cut, int i) {
    vertx.setTimer(1, t -> {
      if (i == chunks) {
        if (cut) {
          pipe.fail(new MeshException(ErrorCode.UPSTREAM, "scripted: upstream stream ended before [DONE]"));
        } else {
          pipe.end(new JsonObject().put(StreamProtocol.USAGE, new Usage(3, chunks).toJson()));
        }
        return;
      }
      pipe.write(ChatChunks.delta("chunk", 1, "m1", "w" + i, i == 0));
      emit(vertx, pipe, chunks, cut, i + 1);
    });
  }

  /** Sends the request as a bus caller would and, for a stream, pulls it to its end. */
  private static Future<Outcome> call(Vertx vertx) {
    JsonObject body = new JsonObject().put("model", "m1")
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    return vertx.eventBus().<Object>request("test.failover", body, new DeliveryOptions().setSendTimeout(10_000))
      .compose(first -> {
        String servedBy = first.headers().get(Headers.BACKEND);
        return BusStreams.isStream(first) ? pull(first, servedBy, 0) : Future.succeededFuture(new Outcome(servedBy, null, 0));
      })
      .recover(e -> Future.succeededFuture(new Outcome(null, MeshException.from(e).errorCode(), 0)));
  }

  private static Future<Outcome> pull(Message<Object> msg, String servedBy, int chunks) {
    int total = chunks + ((JsonObject) msg.body()).getJsonArray(StreamProtocol.CHUNKS, new JsonArray()).size();
    if (BusStreams.isEnd(msg)) {
      // The end message carries the finish chunk only when the backend sent one: count content chunks.
      return Future.succeededFuture(new Outcome(servedBy, null, total));
    }
    return BusStreams.next(msg, 5000).compose(next -> pull(next, servedBy, total));
  }

  private static RouterState state(Vertx vertx) {
    AdminState admin = new AdminState();
    return new RouterState(admin, new Breakers(vertx, BreakerSettings.fromJson(null), "test-router"),
      new HealthProber(vertx, System::currentTimeMillis, 1000, 3000), new PassiveStats(64, 60_000, 0.5, 10), new Cooldowns(),
      new RateLimiter(vertx.sharedData(), System::currentTimeMillis, id -> Limits.NONE, 60_000, 0.02),
      System::currentTimeMillis);
  }

  /** A usage side that admits everything and keeps what it is told of finished requests. */
  private static Metering recording(List<Finished> recorded) {
    return new Metering() {
      @Override
      public Future<ApiKey> identify(MultiMap headers) {
        return Future.succeededFuture();
      }

      @Override
      public RoutePlan restrict(ApiKey key, String model, RoutePlan plan) {
        return plan;
      }

      @Override
      public Future<Admission> admit(ApiKey key, Capability capability, RoutePlan plan) {
        return Future.succeededFuture(Admission.NONE);
      }

      @Override
      public Future<Void> finished(Finished request, Admission admission) {
        recorded.add(request);
        return Future.succeededFuture();
      }
    };
  }
}
