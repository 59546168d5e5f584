package io.switchboard.router.admin;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.EmbeddingRequest;
import io.switchboard.api.MeshException;
import io.switchboard.api.RouteHints;
import io.switchboard.api.RouteInfo;
import io.switchboard.api.SpeechRequest;
import io.switchboard.api.Strategy;
import io.switchboard.router.RouterState;
import io.switchboard.router.Routing;
import io.switchboard.router.policy.Candidate;
import io.switchboard.router.policy.CostEstimator;
import io.switchboard.router.policy.PlanRequest;
import io.switchboard.router.policy.RequestSize;
import io.switchboard.router.policy.RoutePlan;
import io.switchboard.router.registry.BackendRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /api/v1/providers/compare-cost}: for a request body (chat, embeddings or speech, as the HTTP API takes
 * it; or {@code {"capability":"transcribe","model",...,"audio_seconds":N}}), the estimated cost on every live backend
 * that knows the model, cheapest first, whether the policy would let it serve and why not.
 */
final class CostComparison {

  private CostComparison() {
  }

  static JsonObject compare(JsonObject body, BackendRegistry registry, RouterState state, Routing routing) {
    Capability capability = capability(body);
    RequestSize size;
    String model;
    RouteHints hints;
    switch (capability) {
      case CHAT -> {
        ChatRequest r = ChatRequest.fromJson(body);
        size = routing.costs().chat(r);
        model = r.model();
        hints = r.hints();
      }
      case EMBED -> {
        EmbeddingRequest r = EmbeddingRequest.fromJson(body);
        size = CostEstimator.embedding(r);
        model = r.model();
        hints = r.hints();
      }
      case SPEECH -> {
        SpeechRequest r = SpeechRequest.fromJson(body);
        size = CostEstimator.speech(r);
        model = r.model();
        hints = r.hints();
      }
      default -> {
        if (!(body.getValue("model") instanceof String m) || m.isBlank()) {
          throw MeshException.invalid("model", "'model' is required");
        }
        if (!(body.getValue("audio_seconds") instanceof Number n) || n.doubleValue() < 0) {
          throw MeshException.invalid("audio_seconds", "'audio_seconds' (a non-negative number) is required for transcription");
        }
        size = new RequestSize(0, 0, n.doubleValue(), 0);
        model = m;
        hints = RouteHints.fromJson(body);
      }
    }
    hints = new RouteHints(hints.privacy(), Strategy.COST, hints.provider(), hints.maxCostUsd(), hints.timeoutMs());
    PlanRequest request = new PlanRequest(capability, model, hints, null, size);
    RoutePlan plan = routing.policy().explain(request, registry.live(), state, state.now());
    Map<String, String> reasons = new HashMap<>();
    for (RouteInfo.Skip s : plan.skipped()) {
      reasons.putIfAbsent(s.backend(), s.reason());
    }
    List<JsonObject> rows = new ArrayList<>();
    for (BackendRegistry.LiveBackend b : registry.live()) {
      BackendDescriptor d = b.descriptor();
      String resolved = d.serves(capability) ? d.resolveModel(model) : null;
      if (resolved == null) {
        continue;
      }
      boolean eligible = plan.candidates().stream().anyMatch(c -> c.id().equals(d.id()));
      rows.add(new JsonObject()
        .put("provider", d.id())
        .put("model", resolved)
        .put("estimated_cost_usd", CostEstimator.estimate(d, resolved, capability, size))
        .put("privacy", d.privacy().wireName())
        .put("eligible", eligible)
        .put("reason", eligible ? null : reasons.getOrDefault(d.id(), "not eligible")));
    }
    rows.sort(Comparator.comparingDouble((JsonObject j) -> j.getDouble("estimated_cost_usd")).thenComparing(j -> j.getString("provider")));
    String cheapest = plan.candidates().isEmpty() ? null : plan.candidates().stream()
      .min(Comparator.comparingDouble(Candidate::estimatedCostUsd)).map(Candidate::id).orElse(null);
    return new JsonObject()
      .put("capability", capability.wireName())
      .put("model", model)
      .put("size", new JsonObject().put("input_tokens", size.inputTokens()).put("output_tokens", size.outputTokens())
        .put("audio_seconds", size.audioSeconds()).put("characters", size.characters()))
      .put("providers", new JsonArray(new ArrayList<>(rows)))
      .put("cheapest", cheapest);
  }

  private static Capability capability(JsonObject body) {
    Object c = body.remove("capability");
    if (c != null) {
      try {
        return Capability.parse(String.valueOf(c));
      } catch (IllegalArgumentException e) {
        throw MeshException.invalid("capability", e.getMessage());
      }
    }
    if (body.containsKey("messages")) {
      return Capability.CHAT;
    }
    if (body.containsKey("voice") || (body.getValue("input") instanceof String && body.containsKey("response_format"))) {
      return Capability.SPEECH;
    }
    if (body.containsKey("audio_seconds")) {
      return Capability.TRANSCRIBE;
    }
    return Capability.EMBED;
  }
}
