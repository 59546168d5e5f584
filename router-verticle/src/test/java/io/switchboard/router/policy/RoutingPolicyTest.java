package io.switchboard.router.policy;

import io.switchboard.api.AudioOutputs;
import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Health;
import io.switchboard.api.MeshException;
import io.switchboard.api.Prices;
import io.switchboard.api.Privacy;
import io.switchboard.api.RouteHints;
import io.switchboard.api.RouteInfo;
import io.switchboard.api.Strategy;
import io.switchboard.router.registry.BackendRegistry.LiveBackend;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The policy as a table: candidates × privacy × strategy × health × limits → the order tried and the reasons the
 * others were left out. No I/O: the state is a {@link FakeState}, the clock a number.
 */
class RoutingPolicyTest {

  static final long NOW = 1_000_000;
  /** 1000 prompt tokens and 500 completion tokens. */
  static final RequestSize SIZE = new RequestSize(1000, 500, 0, 0);

  /** A live chat backend serving {@code m1} (alias {@code light}), priced per million input / output tokens. */
  static LiveBackend b(String id, int priority, Privacy privacy, double inPerM, double outPerM, Health health) {
    BackendDescriptor d = new BackendDescriptor(id, id + "@1", "test", Set.of(Capability.CHAT), List.of("m1"),
      Map.of("light", "m1"), privacy, priority, Map.of("*", new Prices(inPerM, outPerM, 0, 0, 0)), 8, health, false);
    return new LiveBackend(d, List.of(id + "@1"), health);
  }

  static LiveBackend b(String id, int priority, Privacy privacy) {
    return b(id, priority, privacy, 0, 0, Health.UP);
  }

  static LiveBackend withModels(String id, int priority, String... models) {
    BackendDescriptor d = new BackendDescriptor(id, id + "@1", "test", Set.of(Capability.CHAT), List.of(models), Map.of(),
      Privacy.CLOUD, priority, Map.of(), 8, Health.UP, false);
    return new LiveBackend(d, List.of(id + "@1"), Health.UP);
  }

  /** One row: what the router knows, what the request asks, what must come out. */
  record Row(String name, List<LiveBackend> live, Consumer<FakeState> state, PolicySettings settings, String model,
             RouteHints hints, Privacy keyCeiling, double random, List<String> order, Map<String, String> skips, ErrorCode error,
             String errorMention) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Row ok(String name, List<LiveBackend> live, Consumer<FakeState> state, RouteHints hints, List<String> order, Map<String, String> skips) {
    return new Row(name, live, state, PolicySettings.DEFAULT, "m1", hints, null, 0.5, order, skips, null, null);
  }

  static Row fails(String name, List<LiveBackend> live, Consumer<FakeState> state, RouteHints hints, ErrorCode error, String mention) {
    return new Row(name, live, state, PolicySettings.DEFAULT, "m1", hints, null, 0.5, List.of(), Map.of(), error, mention);
  }

  static RouteHints hints(Privacy privacy, Strategy strategy, String provider, Double maxCost) {
    return new RouteHints(privacy, strategy, provider, maxCost, null);
  }

  static Map<String, String> skips(String... pairs) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put(pairs[i], pairs[i + 1]);
    }
    return m;
  }

  static final Consumer<FakeState> NOTHING = s -> { };

  static PolicySettings settings(String json) {
    return PolicySettings.fromJson(new JsonObject(json));
  }

  static Stream<Row> table() {
    List<LiveBackend> three = List.of(b("a", 10, Privacy.CLOUD, 10, 30, Health.UP), b("b", 20, Privacy.PRIVATE, 1, 2, Health.UP),
      b("c", 30, Privacy.LOCAL, 0, 0, Health.UP));
    return Stream.of(
      ok("fallback: priority order", three, NOTHING, RouteHints.NONE, List.of("a", "b", "c"), Map.of()),
      ok("privacy=local keeps only local backends", three, NOTHING, hints(Privacy.LOCAL, null, null, null), List.of("c"),
        skips("a", "privacy cloud exceeds local", "b", "privacy private exceeds local")),
      ok("privacy=zdr admits private and local", three, NOTHING, hints(Privacy.ZDR, null, null, null), List.of("b", "c"),
        skips("a", "privacy cloud exceeds zdr")),
      new Row("the key's ceiling caps a request that allows cloud", three, NOTHING, PolicySettings.DEFAULT, "m1",
        hints(Privacy.CLOUD, null, null, null), Privacy.PRIVATE, 0.5, List.of("b", "c"), skips("a", "privacy cloud exceeds private"), null, null),
      new Row("the key's ceiling applies when the request says nothing", three, NOTHING, PolicySettings.DEFAULT, "m1",
        RouteHints.NONE, Privacy.LOCAL, 0.5, List.of("c"), skips("a", "privacy cloud exceeds local", "b", "privacy private exceeds local"), null, null),
      new Row("the conf default privacy applies when nothing is said", three, NOTHING, settings("{\"default_privacy\":\"private\"}"), "m1",
        RouteHints.NONE, null, 0.5, List.of("b", "c"), skips("a", "privacy cloud exceeds private"), null, null),
      ok("a down backend is skipped with its reason", three, s -> s.probed.put("a", Health.down("health check: timed out")),
        RouteHints.NONE, List.of("b", "c"), skips("a", "down: health check: timed out")),
      ok("a cold start (degraded) is tried last", three, s -> s.probed.put("a", Health.degraded("cold start")),
        RouteHints.NONE, List.of("b", "c", "a"), Map.of()),
      ok("a backend failing often (passive) is tried last", three, s -> s.degraded.add("b"), RouteHints.NONE, List.of("a", "c", "b"), Map.of()),
      ok("an open breaker takes the backend out", three, s -> s.breakers.put("a", CircuitBreakerState.OPEN), RouteHints.NONE,
        List.of("b", "c"), skips("a", "breaker open")),
      ok("a half-open breaker keeps its place (its trial)", three, s -> s.breakers.put("a", CircuitBreakerState.HALF_OPEN), RouteHints.NONE,
        List.of("a", "b", "c"), Map.of()),
      ok("Retry-After: rate limited for 0.8s more", three, s -> s.cooldown.put("a", NOW + 800), RouteHints.NONE,
        List.of("b", "c"), skips("a", "rate limited for 0.8s more")),
      ok("a cool-down that is over is forgotten", three, s -> s.cooldown.put("a", NOW - 1), RouteHints.NONE, List.of("a", "b", "c"), Map.of()),
      ok("a full rpm window skips the backend", three, s -> {
        s.limited.put("b", NOW + 12_000);
        s.limitReason.put("b", "rpm limit 600/min reached");
      }, RouteHints.NONE, List.of("a", "c"), skips("b", "rpm limit 600/min reached, resets in 12.0s")),
      fails("every allowed backend rate limited: 429 with the shortest wait", three, s -> {
        s.cooldown.put("c", NOW + 3000);
        s.limited.put("b", NOW + 2000);
      }, hints(Privacy.PRIVATE, null, null, null), ErrorCode.RATE_LIMITED, "rate limited"),
      ok("cost: cheapest estimate first", three, NOTHING, hints(null, Strategy.COST, null, null), List.of("c", "b", "a"), Map.of()),
      ok("max_cost excludes what costs more, saying estimate vs max", three, NOTHING, hints(null, Strategy.COST, null, 0.01),
        List.of("c", "b"), skips("a", "estimate $0.025 exceeds max_cost $0.01")),
      ok("latency: fastest recent p50 first", three, s -> {
        s.latency.put("a", 900d);
        s.latency.put("b", 40d);
        s.latency.put("c", 300d);
      }, hints(null, Strategy.LATENCY, null, null), List.of("b", "c", "a"), Map.of()),
      ok("latency: a backend with no samples yet is tried first", three, s -> {
        s.latency.put("a", 900d);
        s.latency.put("b", 40d);
      }, hints(null, Strategy.LATENCY, null, null), List.of("c", "b", "a"), Map.of()),
      ok("priority: the first only, the rest named", three, NOTHING, hints(null, Strategy.PRIORITY, null, null), List.of("a"),
        skips("b", "strategy=priority uses the first candidate only", "c", "strategy=priority uses the first candidate only")),
      ok("a forced provider", three, NOTHING, hints(null, null, "b", null), List.of("b"),
        skips("a", "provider=b requested", "c", "provider=b requested")),
      fails("a forced provider beyond the privacy ceiling is never used", three, NOTHING, hints(Privacy.LOCAL, null, "a", null),
        ErrorCode.UNAVAILABLE, "no healthy backend for privacy=local provider=a serving model m1"),
      ok("disabled by an operator", three, s -> s.disabled.add("a"), RouteHints.NONE, List.of("b", "c"), skips("a", "disabled by admin")),
      ok("an operator's priority reorders", three, s -> s.priority.put("c", 1), RouteHints.NONE, List.of("c", "a", "b"), Map.of()),
      new Row("weighted 90/10, a draw in the 90", List.of(b("a", 10, Privacy.CLOUD), b("b", 20, Privacy.CLOUD)), NOTHING,
        settings("{\"weights\":{\"m1\":{\"a\":10,\"b\":90}}}"), "m1", hints(null, Strategy.WEIGHTED, null, null), null, 0.5,
        List.of("b", "a"), Map.of(), null, null),
      new Row("weighted 90/10, a draw in the 10", List.of(b("a", 10, Privacy.CLOUD), b("b", 20, Privacy.CLOUD)), NOTHING,
        settings("{\"weights\":{\"m1\":{\"a\":10,\"b\":90}}}"), "m1", hints(null, Strategy.WEIGHTED, null, null), null, 0.05,
        List.of("a", "b"), Map.of(), null, null),
      new Row("per-alias strategy from conf", three, NOTHING, settings("{\"alias_strategies\":{\"light\":\"cost\"}}"), "light",
        RouteHints.NONE, null, 0.5, List.of("c", "b", "a"), Map.of(), null, null),
      new Row("weighted split between two models of an alias (canary)",
        List.of(withModels("old", 10, "heavy-v1"), withModels("new", 20, "heavy-v2")), NOTHING,
        settings("{\"alias_strategies\":{\"heavy\":\"weighted\"},\"model_weights\":{\"heavy\":{\"heavy-v1\":90,\"heavy-v2\":10}}}"), "heavy",
        RouteHints.NONE, null, 0.95, List.of("new", "old"), Map.of(), null, null),
      fails("nothing allowed is healthy: 503 naming the constraint", List.of(b("cloud", 10, Privacy.CLOUD)), NOTHING,
        hints(Privacy.LOCAL, null, null, null), ErrorCode.UNAVAILABLE, "no healthy backend for privacy=local serving model m1"),
      fails("an unknown model is 404", three, NOTHING, RouteHints.NONE, ErrorCode.MODEL_NOT_FOUND, "is not served"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void decides(Row row) {
    FakeState state = new FakeState();
    row.state().accept(state);
    RoutingPolicy policy = new RoutingPolicy(row.settings(), row::random);
    String model = row.name().contains("unknown model") ? "nope" : row.model();
    PlanRequest request = new PlanRequest(Capability.CHAT, model, row.hints(), row.keyCeiling(), SIZE);
    if (row.error() != null) {
      MeshException e = assertThrows(MeshException.class, () -> policy.plan(request, row.live(), state, NOW));
      assertEquals(row.error(), e.errorCode(), e.getMessage());
      assertTrue(e.getMessage().contains(row.errorMention()), e.getMessage());
      if (row.error() == ErrorCode.RATE_LIMITED) {
        assertEquals(2000, e.retryAfterMs(), "the shortest wait of the rate-limited backends");
      }
      return;
    }
    RoutePlan plan = policy.plan(request, row.live(), state, NOW);
    assertEquals(row.order(), plan.candidates().stream().map(Candidate::id).toList(), "order");
    Map<String, String> skipped = new LinkedHashMap<>();
    for (RouteInfo.Skip s : plan.skipped()) {
      skipped.put(s.backend(), s.reason());
    }
    assertEquals(row.skips(), skipped, "skip reasons");
  }

  @Test
  void priorityStrategyNeverFailsOver() {
    RoutePlan plan = new RoutingPolicy(PolicySettings.DEFAULT).plan(new PlanRequest(Capability.CHAT, "m1",
      hints(null, Strategy.PRIORITY, null, null), null, SIZE), List.of(b("a", 1, Privacy.CLOUD), b("b", 2, Privacy.CLOUD)), StateView.NONE, NOW);
    assertFalse(plan.failover());
    assertTrue(new RoutingPolicy(PolicySettings.DEFAULT).plan(new PlanRequest(Capability.CHAT, "m1", RouteHints.NONE, null, SIZE),
      List.of(b("a", 1, Privacy.CLOUD)), StateView.NONE, NOW).failover());
  }

  @Test
  void candidatesCarryTheirCostEstimate() {
    RoutePlan plan = new RoutingPolicy(PolicySettings.DEFAULT).plan(new PlanRequest(Capability.CHAT, "m1", RouteHints.NONE, null, SIZE),
      List.of(b("a", 1, Privacy.CLOUD, 10, 30, Health.UP)), StateView.NONE, NOW);
    assertEquals(0.025, plan.candidates().get(0).estimatedCostUsd(), 1e-12);
  }

  @Test
  void aNinetyTenSplitSendsAboutNinetyPercentFirstToTheHeavierSide() {
    SplittableRandom random = new SplittableRandom(42);
    RoutingPolicy policy = new RoutingPolicy(settings("{\"weights\":{\"m1\":{\"a\":90,\"b\":10}}}"), random::nextDouble);
    List<LiveBackend> live = List.of(b("a", 10, Privacy.CLOUD), b("b", 20, Privacy.CLOUD));
    int first = 0;
    List<String> seconds = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      RoutePlan plan = policy.plan(new PlanRequest(Capability.CHAT, "m1", hints(null, Strategy.WEIGHTED, null, null), null, SIZE),
        live, StateView.NONE, NOW);
      if (plan.candidates().get(0).id().equals("a")) {
        first++;
      }
      seconds.add(plan.candidates().get(1).id());
      assertEquals(2, plan.candidates().size(), "the other side stays as the failover");
    }
    assertTrue(first > 8_800 && first < 9_200, "about 90% first to a: " + first);
  }

  @Test
  void badSettingsAreRefusedNamingTheKey() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> settings("{\"strategy\":\"cheapest\"}"));
    assertTrue(e.getMessage().contains("unknown strategy 'cheapest'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> settings("{\"weights\":{\"heavy\":{\"a\":-1}}}"));
    assertTrue(e.getMessage().contains("router.weights.heavy.a"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> settings("{\"alias_strategies\":{\"heavy\":\"fast\"}}"));
    assertTrue(e.getMessage().contains("router.alias_strategies.heavy"), e.getMessage());
  }

  @Test
  void aTranscriptionInAnotherLanguageSkipsEnglishOnlyBackends() {
    BackendDescriptor local = new BackendDescriptor("local-whisper", "lw@1", "local-whisper", Set.of(Capability.TRANSCRIBE),
      List.of("whisper-tiny.en"), Map.of("whisper-1", "whisper-tiny.en"), Privacy.LOCAL, 10, Map.of(), 1, Health.UP, false, List.of("en"));
    BackendDescriptor cloud = new BackendDescriptor("openai-transcribe", "ot@1", "openai-transcription", Set.of(Capability.TRANSCRIBE),
      List.of("whisper-1"), Map.of(), Privacy.CLOUD, 50, Map.of(), 8, Health.UP, false);
    List<LiveBackend> live = List.of(new LiveBackend(local, List.of("lw@1"), Health.UP), new LiveBackend(cloud, List.of("ot@1"), Health.UP));
    RoutingPolicy policy = new RoutingPolicy(PolicySettings.DEFAULT);

    RoutePlan french = policy.plan(new PlanRequest(Capability.TRANSCRIBE, "whisper-1", RouteHints.NONE, null, SIZE, "fr"), live, StateView.NONE, NOW);
    assertEquals(List.of("openai-transcribe"), french.candidates().stream().map(Candidate::id).toList());
    assertEquals("language fr not supported (en only)", french.skipped().get(0).reason());

    for (String english : new String[] {"en", "english", "en-US", null}) {
      RoutePlan plan = policy.plan(new PlanRequest(Capability.TRANSCRIBE, "whisper-1", RouteHints.NONE, null, SIZE, english), live, StateView.NONE, NOW);
      assertEquals(List.of("local-whisper", "openai-transcribe"), plan.candidates().stream().map(Candidate::id).toList(), String.valueOf(english));
    }
  }

  /**
   * A speech request goes only to backends that can produce its format and rate: local TTS without an encoder declares
   * wav, pcm and ulaw, so mp3 goes to the cloud backend with the reason; a rate outside a backend's list skips it; a
   * backend that declares nothing is never left out for its format.
   */
  @Test
  void aSpeechRequestSkipsBackendsThatCannotProduceItsFormatOrRate() {
    AudioOutputs raw = AudioOutputs.UNDECLARED.with("wav").with("pcm").with("ulaw");
    AudioOutputs openAi = AudioOutputs.UNDECLARED.with("mp3", 24000).with("wav", 24000).with("pcm", 24000);
    LiveBackend local = speech("local-tts", 10, Privacy.LOCAL, raw);
    LiveBackend cloud = speech("openai-speech", 20, Privacy.CLOUD, openAi);
    LiveBackend undeclared = speech("other", 30, Privacy.CLOUD, AudioOutputs.UNDECLARED);
    List<LiveBackend> live = List.of(local, cloud, undeclared);
    RoutingPolicy policy = new RoutingPolicy(PolicySettings.DEFAULT);

    RoutePlan mp3 = policy.plan(speechRequest("mp3", null), live, StateView.NONE, NOW);
    assertEquals(List.of("openai-speech", "other"), mp3.candidates().stream().map(Candidate::id).toList());
    assertEquals(List.of(new RouteInfo.Skip("local-tts", "cannot produce mp3 (wav, pcm, ulaw only)")), mp3.skipped());

    RoutePlan wav8k = policy.plan(speechRequest("wav", 8000), live, StateView.NONE, NOW);
    assertEquals(List.of("local-tts", "other"), wav8k.candidates().stream().map(Candidate::id).toList());
    assertEquals(List.of(new RouteInfo.Skip("openai-speech", "produces wav at 24000 Hz only")), wav8k.skipped());

    MeshException none = assertThrows(MeshException.class,
      () -> policy.plan(speechRequest("mp3", null), List.of(local), StateView.NONE, NOW));
    assertEquals(ErrorCode.UNAVAILABLE, none.errorCode());
    assertTrue(none.getMessage().contains("local-tts: cannot produce mp3"), none.getMessage());
  }

  static LiveBackend speech(String id, int priority, Privacy privacy, AudioOutputs outputs) {
    BackendDescriptor d = new BackendDescriptor(id, id + "@1", "test", Set.of(Capability.SPEECH), List.of("tts"),
      Map.of("tts-1", "tts"), privacy, priority, Map.of(), 2, Health.UP, false, List.of(), outputs);
    return new LiveBackend(d, List.of(id + "@1"), Health.UP);
  }

  static PlanRequest speechRequest(String format, Integer rate) {
    return new PlanRequest(Capability.SPEECH, "tts-1", RouteHints.NONE, null, new RequestSize(0, 0, 1, 20), null, format, rate);
  }
}
