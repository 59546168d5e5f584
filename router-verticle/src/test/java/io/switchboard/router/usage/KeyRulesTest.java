package io.switchboard.router.usage;

import io.switchboard.api.ApiKey;
import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Health;
import io.switchboard.api.KeyLimits;
import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.switchboard.api.Strategy;
import io.switchboard.router.policy.Candidate;
import io.switchboard.router.policy.RoutePlan;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A key's allowed providers and models applied to a plan: kept, skipped with the reason, or 403 naming the rule. */
class KeyRulesTest {

  private static Candidate candidate(String id, String model) {
    return new Candidate(new BackendDescriptor(id, id + "@1", "test", Set.of(Capability.CHAT), List.of(model),
      Map.of("light", model), Privacy.CLOUD, 10, Map.of(), 4, Health.UP, false), model);
  }

  private static final RoutePlan PLAN = new RoutePlan(List.of(candidate("openai", "gpt-4o-mini"), candidate("gemini", "gemini-flash")),
    List.of(), true, Privacy.CLOUD, Strategy.FALLBACK);

  private static ApiKey key(List<String> providers, List<String> models) {
    return new ApiKey("k_test", "t", Instant.EPOCH, null, new KeyLimits(null, null, 0, null, providers, models));
  }

  @Test
  void noRulesNoChange() {
    assertSame(PLAN, KeyRules.restrict(null, "light", PLAN));
    assertSame(PLAN, KeyRules.restrict(key(List.of(), List.of()), "light", PLAN));
  }

  @Test
  void providersAndModelsNarrowThePlan() {
    RoutePlan p = KeyRules.restrict(key(List.of("gemini"), List.of()), "light", PLAN);
    assertEquals(List.of("gemini"), p.candidates().stream().map(Candidate::id).toList());
    assertTrue(p.skipped().get(0).reason().contains("provider not allowed for API key k_test"));
    RoutePlan m = KeyRules.restrict(key(List.of(), List.of("gpt-4o-mini")), "light", PLAN);
    assertEquals(List.of("openai"), m.candidates().stream().map(Candidate::id).toList(), "the alias's target is allowed");
    assertEquals(2, KeyRules.restrict(key(List.of(), List.of("light")), "light", PLAN).candidates().size(), "so is the alias");
  }

  @Test
  void nothingLeftIs403NamingTheRule() {
    MeshException model = assertThrows(MeshException.class, () -> KeyRules.restrict(key(List.of(), List.of("o3")), "light", PLAN));
    assertEquals(ErrorCode.PERMISSION, model.errorCode());
    assertEquals("API key k_test may not use model 'light' (allowed models: o3)", model.getMessage());
    MeshException provider = assertThrows(MeshException.class, () -> KeyRules.restrict(key(List.of("claude"), List.of()), "light", PLAN));
    assertEquals("API key k_test may not use providers openai, gemini (allowed providers: claude)", provider.getMessage());
  }
}
