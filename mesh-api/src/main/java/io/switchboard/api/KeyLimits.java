package io.switchboard.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * What an API key may do. Null budgets and a zero rate mean no limit; a null privacy ceiling means any class;
 * empty provider/model lists mean all.
 *
 * @param dailyBudgetUsd    US dollars per UTC day
 * @param monthlyBudgetUsd  US dollars per UTC calendar month
 * @param requestsPerMinute requests per minute across the mesh (enforced by the router)
 * @param privacyCeiling    the least private backend class the key's requests may reach
 * @param allowedProviders  backend ids the key may use
 * @param allowedModels     models the key may use
 */
public record KeyLimits(Double dailyBudgetUsd, Double monthlyBudgetUsd, int requestsPerMinute, Privacy privacyCeiling,
                        List<String> allowedProviders, List<String> allowedModels) {

  public static final KeyLimits NONE = new KeyLimits(null, null, 0, null, List.of(), List.of());

  /**
   * The largest budget: the budget counters keep micro-dollars in a long ({@code BudgetGuard}), so a larger one would
   * be counted as another amount.
   */
  static final double MAX_BUDGET_USD = Math.floor(Long.MAX_VALUE / 1_000_000d);

  public KeyLimits {
    allowedProviders = List.copyOf(allowedProviders);
    allowedModels = List.copyOf(allowedModels);
  }

  public boolean hasBudget() {
    return dailyBudgetUsd != null || monthlyBudgetUsd != null;
  }

  public boolean allowsProvider(String backendId) {
    return allowedProviders.isEmpty() || allowedProviders.contains(backendId);
  }

  public boolean allowsModel(String model) {
    return allowedModels.isEmpty() || allowedModels.contains(model);
  }

  public JsonObject toJson() {
    return new JsonObject()
      .put("daily_budget_usd", dailyBudgetUsd)
      .put("monthly_budget_usd", monthlyBudgetUsd)
      .put("requests_per_minute", requestsPerMinute)
      .put("privacy", privacyCeiling == null ? null : privacyCeiling.wireName())
      .put("allowed_providers", new JsonArray(new ArrayList<>(allowedProviders)))
      .put("allowed_models", new JsonArray(new ArrayList<>(allowedModels)));
  }

  /** Reads limits from a create request or a stored row; bad values are invalid requests naming the field. */
  public static KeyLimits fromJson(JsonObject json) {
    if (json == null) {
      return NONE;
    }
    Double daily = budget(json, "daily_budget_usd");
    Double monthly = budget(json, "monthly_budget_usd");
    Object rpm = json.getValue("requests_per_minute");
    // Checked as a double, before any narrowing: intValue() of 2^32 is 0, which would read as "no limit".
    if (rpm != null && (!(rpm instanceof Number n) || !(n.doubleValue() >= 0 && n.doubleValue() <= Integer.MAX_VALUE)
      || n.doubleValue() != Math.floor(n.doubleValue()))) {
      throw MeshException.invalid("requests_per_minute",
        "requests_per_minute must be a whole number from 0 to " + Integer.MAX_VALUE + ", got " + rpm);
    }
    Privacy ceiling = null;
    Object p = json.getValue("privacy");
    if (p != null) {
      try {
        ceiling = Privacy.parse(p.toString());
      } catch (IllegalArgumentException e) {
        throw MeshException.invalid("privacy", e.getMessage());
      }
    }
    return new KeyLimits(daily, monthly, rpm == null ? 0 : ((Number) rpm).intValue(), ceiling,
      strings(json, "allowed_providers"), strings(json, "allowed_models"));
  }

  private static Double budget(JsonObject json, String field) {
    Object v = json.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n) || !(n.doubleValue() >= 0 && n.doubleValue() <= MAX_BUDGET_USD)) {
      throw MeshException.invalid(field, field + " must be a number of US dollars from 0 to " + (long) MAX_BUDGET_USD + ", got " + v);
    }
    return n.doubleValue();
  }

  private static List<String> strings(JsonObject json, String field) {
    Object v = json.getValue(field);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof JsonArray array)) {
      throw MeshException.invalid(field, field + " must be a list of names");
    }
    List<String> out = new ArrayList<>();
    for (Object o : array) {
      if (!(o instanceof String s) || s.isBlank()) {
        throw MeshException.invalid(field, field + " must be a list of non-empty names");
      }
      out.add(s.trim());
    }
    return out;
  }
}
