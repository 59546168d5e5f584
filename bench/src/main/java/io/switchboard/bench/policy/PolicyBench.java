package io.switchboard.bench.policy;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.Health;
import io.switchboard.api.Prices;
import io.switchboard.api.Privacy;
import io.switchboard.api.RouteHints;
import io.switchboard.api.Strategy;
import io.switchboard.router.RouterState;
import io.switchboard.router.admin.AdminState;
import io.switchboard.router.health.BreakerSettings;
import io.switchboard.router.health.Breakers;
import io.switchboard.router.health.Cooldowns;
import io.switchboard.router.health.HealthProber;
import io.switchboard.router.health.PassiveStats;
import io.switchboard.router.limits.Limits;
import io.switchboard.router.limits.RateLimiter;
import io.switchboard.router.policy.Candidate;
import io.switchboard.router.policy.CostEstimator;
import io.switchboard.router.policy.PlanRequest;
import io.switchboard.router.policy.PolicySettings;
import io.switchboard.router.policy.RoutePlan;
import io.switchboard.router.policy.RoutingPolicy;
import io.switchboard.router.policy.StateView;
import io.switchboard.router.registry.BackendRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What the routing policy costs per request, without JMH: on a Vert.x event loop (where the router runs), each
 * iteration sizes a chat request, plans it over a realistic set of live backends ({@link RoutingPolicy#plan}) with
 * the router's real state (breakers, probes, passive stats, cool-downs, operator overrides) and takes and frees a
 * rate-limit permit ({@link RateLimiter}) for the first candidate. A "foundation" scenario plans with no state and
 * no limits, as the router did before the policy work, for comparison.
 *
 * <p>Run: {@code java -cp <router-verticle classes + deps + this> io.switchboard.bench.policy.PolicyBench [iterations]}
 */
public final class PolicyBench {

  private record Scenario(String name, RoutingPolicy policy, StateView state, RateLimiter limiter, RouteHints hints, String model) {
  }

  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
    Vertx vertx = Vertx.vertx(new VertxOptions().setMaxEventLoopExecuteTime(1).setMaxEventLoopExecuteTimeUnit(TimeUnit.HOURS));
    try {
      List<BackendRegistry.LiveBackend> live = live();
      List<Scenario> scenarios = scenarios(vertx, live);
      ChatRequest request = ChatRequest.fromJson(new JsonObject().put("model", "heavy").put("max_tokens", 400)
        .put("messages", new JsonArray()
          .add(new JsonObject().put("role", "system").put("content", "You are a helpful assistant. ".repeat(8)))
          .add(new JsonObject().put("role", "user").put("content", "Summarise the following call transcript. ".repeat(30)))));
      System.out.printf(Locale.ROOT, "%d live backends, %d iterations per scenario (after %d warm-up)%n", live.size(), iterations, iterations / 2);
      System.out.printf(Locale.ROOT, "%-44s %8s %8s %8s %8s %8s%n", "scenario (per request)", "p50 µs", "p90 µs", "p99 µs", "p99.9 µs", "mean µs");
      for (Scenario s : scenarios) {
        run(vertx, s, request, live, iterations / 2);
        long[] nanos = run(vertx, s, request, live, iterations);
        Arrays.sort(nanos);
        double mean = Arrays.stream(nanos).average().orElse(0);
        System.out.printf(Locale.ROOT, "%-44s %8.2f %8.2f %8.2f %8.2f %8.2f%n", s.name(), pct(nanos, 0.50), pct(nanos, 0.90),
          pct(nanos, 0.99), pct(nanos, 0.999), mean / 1000);
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static double pct(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1000.0;
  }

  /** Seven backends shaped like the default conf: cloud APIs, a RunPod worker, a LAN workstation, a local engine. */
  static List<BackendRegistry.LiveBackend> live() {
    List<BackendRegistry.LiveBackend> out = new ArrayList<>();
    out.add(backend("workstation", 30, Privacy.PRIVATE, List.of(), Map.of("heavy", "qwen2.5-32b", "light", "qwen2.5-7b"), Prices.FREE));
    out.add(backend("runpod", 40, Privacy.PRIVATE, List.of(), Map.of("heavy", "llama-3.3-70b", "light", "llama-3.1-8b"),
      new Prices(0, 0, 0, 0, 0.0004)));
    out.add(backend("openai", 50, Privacy.CLOUD, List.of("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1"),
      Map.of("light", "gpt-4o-mini", "heavy", "gpt-4o"), new Prices(2.5, 10, 0, 0, 0)));
    out.add(backend("openrouter", 60, Privacy.CLOUD, List.of("openai/gpt-4o-mini", "meta-llama/llama-3.3-70b-instruct"),
      Map.of("light", "openai/gpt-4o-mini", "heavy", "meta-llama/llama-3.3-70b-instruct"), new Prices(0.6, 0.8, 0, 0, 0)));
    out.add(backend("gemini", 65, Privacy.CLOUD, List.of("gemini-2.5-flash", "gemini-2.5-pro"),
      Map.of("light", "gemini-2.5-flash", "heavy", "gemini-2.5-pro"), new Prices(1.25, 10, 0, 0, 0)));
    out.add(backend("huggingface", 70, Privacy.CLOUD, List.of("meta-llama/Llama-3.1-8B-Instruct"),
      Map.of("light", "meta-llama/Llama-3.1-8B-Instruct"), new Prices(0.1, 0.1, 0, 0, 0)));
    out.add(backend("jlama", 80, Privacy.LOCAL, List.of("Llama-3.2-1B-Instruct"), Map.of("light", "Llama-3.2-1B-Instruct"), Prices.FREE));
    return out;
  }

  private static BackendRegistry.LiveBackend backend(String id, int priority, Privacy privacy, List<String> models,
                                                     Map<String, String> aliases, Prices prices) {
    BackendDescriptor d = new BackendDescriptor(id, id + "@1", "bench", Set.of(Capability.CHAT, Capability.EMBED), models, aliases,
      privacy, priority, Map.of("*", prices), 16, Health.UP, false);
    return new BackendRegistry.LiveBackend(d, List.of(id + "@1", id + "@2"), Health.UP);
  }

  private static List<Scenario> scenarios(Vertx vertx, List<BackendRegistry.LiveBackend> live) {
    AdminState admin = new AdminState();
    Limits limits = new Limits(50_000_000, 50_000_000_000L, 0);
    RateLimiter limiter = new RateLimiter(vertx.sharedData(), System::currentTimeMillis, id -> limits, 60_000, 0.0001);
    Breakers breakers = new Breakers(vertx, BreakerSettings.DEFAULT, "bench");
    PassiveStats stats = new PassiveStats(256, 300_000, 0.5, 10);
    long now = System.currentTimeMillis();
    for (BackendRegistry.LiveBackend b : live) {
      breakers.admit(b.id()).complete();
      for (int i = 0; i < 256; i++) {
        stats.success(b.id(), now, 50 + (i * 7L + b.id().length() * 13L) % 400);
      }
    }
    RouterState state = new RouterState(admin, breakers, new HealthProber(vertx, System::currentTimeMillis, 5000, 30_000), stats,
      new Cooldowns(), limiter, System::currentTimeMillis);
    RateLimiter unlimited = new RateLimiter(vertx.sharedData(), System::currentTimeMillis, id -> Limits.NONE, 60_000, 0.02);
    PolicySettings weighted = PolicySettings.fromJson(new JsonObject().put("weights", new JsonObject()
      .put("heavy", new JsonObject().put("openai", 90).put("workstation", 10))));
    return List.of(
      new Scenario("foundation: fallback, no state, no limits", new RoutingPolicy(PolicySettings.DEFAULT), StateView.NONE, unlimited,
        RouteHints.NONE, "heavy"),
      new Scenario("fallback + full state + rpm/tpm limits", new RoutingPolicy(PolicySettings.DEFAULT), state, limiter, RouteHints.NONE, "heavy"),
      new Scenario("cost + max_cost + full state + limits", new RoutingPolicy(PolicySettings.DEFAULT), state, limiter,
        new RouteHints(null, Strategy.COST, null, 0.05, null), "heavy"),
      new Scenario("latency + full state + limits", new RoutingPolicy(PolicySettings.DEFAULT), state, limiter,
        new RouteHints(null, Strategy.LATENCY, null, null, null), "heavy"),
      new Scenario("weighted 90/10 + full state + limits", new RoutingPolicy(weighted), state, limiter,
        new RouteHints(null, Strategy.WEIGHTED, null, null, null), "heavy"),
      new Scenario("privacy=private (3 of 7 skipped) + limits", new RoutingPolicy(PolicySettings.DEFAULT), state, limiter,
        new RouteHints(Privacy.PRIVATE, null, null, null, null), "heavy"));
  }

  /** Times {@code n} requests on an event loop; an acquire that waits for a lease resumes when the lease comes. */
  private static long[] run(Vertx vertx, Scenario s, ChatRequest request, List<BackendRegistry.LiveBackend> live, int n) throws Exception {
    long[] nanos = new long[n];
    CostEstimator costs = new CostEstimator(256);
    Promise<Void> done = Promise.promise();
    ChatRequest r = request.withModel(s.model());
    vertx.runOnContext(v -> new Object() {
      int i;

      void step() {
        while (i < n) {
          long t0 = System.nanoTime();
          PlanRequest plan = new PlanRequest(Capability.CHAT, r.model(), s.hints(), null, costs.chat(r));
          RoutePlan p = s.policy().plan(plan, live, s.state(), System.currentTimeMillis());
          Candidate c = p.candidates().get(0);
          Future<RateLimiter.Denial> admitted = s.limiter().acquire(c.id(), plan.size().tokens());
          if (!admitted.isComplete()) {
            admitted.onComplete(ar -> {
              finish(t0, c, ar.result());
              step();
            });
            return;
          }
          finish(t0, c, admitted.result());
        }
        done.complete();
      }

      void finish(long t0, Candidate c, RateLimiter.Denial denial) {
        if (denial != null) {
          throw new IllegalStateException("the benchmark's limits must never deny: " + denial.reason());
        }
        s.limiter().release(c.id());
        nanos[i++] = System.nanoTime() - t0;
      }
    }.step());
    done.future().await(10, TimeUnit.MINUTES);
    return nanos;
  }
}
