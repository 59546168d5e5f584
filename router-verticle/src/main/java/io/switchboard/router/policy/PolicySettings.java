package io.switchboard.router.policy;

import io.switchboard.api.Privacy;
import io.switchboard.api.Strategy;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The routing choices an operator makes in the {@code router} section of conf (and may change at run time through
 * the admin API or a conf reload): the default privacy ceiling and strategy, a strategy per alias, traffic splits
 * between backends ({@code weights}) or between models/aliases ({@code model_weights}) for the weighted strategy,
 * and the completion size assumed when a chat request sets no {@code max_tokens}.
 */
public record PolicySettings(Privacy defaultPrivacy, Strategy defaultStrategy, Map<String, Strategy> aliasStrategies,
                             Map<String, Map<String, Integer>> weights, Map<String, Map<String, Integer>> modelWeights,
                             long defaultCompletionTokens) {

  public static final PolicySettings DEFAULT = new PolicySettings(Privacy.CLOUD, Strategy.FALLBACK, Map.of(), Map.of(), Map.of(),
    CostEstimator.DEFAULT_COMPLETION_TOKENS);

  public PolicySettings {
    aliasStrategies = Map.copyOf(aliasStrategies);
    weights = copy(weights);
    modelWeights = copy(modelWeights);
  }

  private static Map<String, Map<String, Integer>> copy(Map<String, Map<String, Integer>> m) {
    Map<String, Map<String, Integer>> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(v))));
    return java.util.Collections.unmodifiableMap(out);
  }

  /** Reads the {@code router} section; a bad value is an {@link IllegalArgumentException} naming the key. */
  public static PolicySettings fromJson(JsonObject router) {
    return DEFAULT.merge(router);
  }

  /**
   * These settings with the keys present in {@code json} replaced ({@code default_privacy}, {@code strategy},
   * {@code alias_strategies}, {@code weights}, {@code model_weights}, {@code default_completion_tokens}).
   */
  public PolicySettings merge(JsonObject json) {
    Privacy privacy = defaultPrivacy;
    Strategy strategy = defaultStrategy;
    Map<String, Strategy> aliases = aliasStrategies;
    Map<String, Map<String, Integer>> w = weights;
    Map<String, Map<String, Integer>> mw = modelWeights;
    long completion = defaultCompletionTokens;
    try {
      if (json.getValue("default_privacy") != null) {
        privacy = Privacy.parse(String.valueOf(json.getValue("default_privacy")));
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("router.default_privacy: " + e.getMessage());
    }
    try {
      if (json.getValue("strategy") != null) {
        strategy = Strategy.parse(String.valueOf(json.getValue("strategy")));
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("router.strategy: " + e.getMessage());
    }
    if (json.getValue("alias_strategies") != null) {
      aliases = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : object(json, "alias_strategies")) {
        try {
          aliases.put(e.getKey(), Strategy.parse(String.valueOf(e.getValue())));
        } catch (IllegalArgumentException ex) {
          throw new IllegalArgumentException("router.alias_strategies." + e.getKey() + ": " + ex.getMessage());
        }
      }
    }
    if (json.getValue("weights") != null) {
      w = weightTable(object(json, "weights"), "weights");
    }
    if (json.getValue("model_weights") != null) {
      mw = weightTable(object(json, "model_weights"), "model_weights");
    }
    if (json.getValue("default_completion_tokens") != null) {
      if (!(json.getValue("default_completion_tokens") instanceof Number n) || n.longValue() < 0) {
        throw new IllegalArgumentException("router.default_completion_tokens must be a non-negative integer");
      }
      completion = n.longValue();
    }
    return new PolicySettings(privacy, strategy, aliases, w, mw, completion);
  }

  private static JsonObject object(JsonObject json, String key) {
    if (!(json.getValue(key) instanceof JsonObject o)) {
      throw new IllegalArgumentException("router." + key + " must be a map");
    }
    return o;
  }

  private static Map<String, Map<String, Integer>> weightTable(JsonObject table, String key) {
    Map<String, Map<String, Integer>> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : table) {
      if (!(e.getValue() instanceof JsonObject split)) {
        throw new IllegalArgumentException("router." + key + "." + e.getKey() + " must be a map of name to weight");
      }
      Map<String, Integer> weights = new LinkedHashMap<>();
      int total = 0;
      for (Map.Entry<String, Object> s : split) {
        if (!(s.getValue() instanceof Number n) || n.intValue() < 0 || n.doubleValue() != Math.rint(n.doubleValue())) {
          throw new IllegalArgumentException("router." + key + "." + e.getKey() + "." + s.getKey() + " must be a non-negative integer");
        }
        weights.put(s.getKey(), n.intValue());
        total += n.intValue();
      }
      if (total <= 0) {
        throw new IllegalArgumentException("router." + key + "." + e.getKey() + " needs at least one positive weight");
      }
      out.put(e.getKey(), weights);
    }
    return out;
  }

  /** The strategy for a request naming {@code model} that sets none itself. */
  public Strategy strategyFor(String model) {
    Strategy s = model == null ? null : aliasStrategies.get(model);
    return s != null ? s : defaultStrategy;
  }

  public JsonObject toJson() {
    JsonObject aliases = new JsonObject();
    aliasStrategies.forEach((k, v) -> aliases.put(k, v.wireName()));
    return new JsonObject()
      .put("default_privacy", defaultPrivacy.wireName())
      .put("strategy", defaultStrategy.wireName())
      .put("alias_strategies", aliases)
      .put("weights", tableJson(weights))
      .put("model_weights", tableJson(modelWeights))
      .put("default_completion_tokens", defaultCompletionTokens);
  }

  private static JsonObject tableJson(Map<String, Map<String, Integer>> table) {
    JsonObject out = new JsonObject();
    table.forEach((k, v) -> out.put(k, new JsonObject(new LinkedHashMap<>(v))));
    return out;
  }
}
