package io.switchboard.api;

import io.vertx.core.json.JsonObject;

import java.util.function.Function;

/**
 * The policy fields a request may carry beside its OpenAI body (top-level body fields, or
 * {@code x-switchboard-*} headers over HTTP). Every field is optional: null means "the configured default".
 *
 * @param privacy   the most the request allows its data to travel
 * @param strategy  how to order candidates
 * @param provider  force one backend id
 * @param maxCostUsd exclude candidates whose estimate exceeds this
 * @param timeoutMs  per-request deadline, from arrival
 */
public record RouteHints(Privacy privacy, Strategy strategy, String provider, Double maxCostUsd, Long timeoutMs) {

  public static final RouteHints NONE = new RouteHints(null, null, null, null, null);

  /** Body field names; stripped from the body before it goes upstream. */
  public static final String PRIVACY = "privacy";
  public static final String STRATEGY = "strategy";
  public static final String PROVIDER = "provider";
  public static final String MAX_COST = "max_cost";
  public static final String TIMEOUT_MS = "timeout_ms";
  /** The longest deadline a request may ask for: a day (a deadline past it would overflow nothing, but serves nothing). */
  public static final long MAX_TIMEOUT_MS = 86_400_000L;

  public static boolean isHintField(String name) {
    return switch (name) {
      case PRIVACY, STRATEGY, PROVIDER, MAX_COST, TIMEOUT_MS -> true;
      default -> false;
    };
  }

  /** Reads the hint fields of a request body; a malformed one is a {@link MeshException} naming the field. */
  public static RouteHints fromJson(JsonObject body) {
    Privacy privacy = named(body, PRIVACY, Privacy::parse);
    Strategy strategy = named(body, STRATEGY, Strategy::parse);
    Object prov = body.getValue(PROVIDER);
    String provider = prov == null ? null : stringField(prov, PROVIDER);
    Double maxCost = null;
    Object mc = body.getValue(MAX_COST);
    if (mc != null) {
      if (!(mc instanceof Number n) || n.doubleValue() < 0) {
        throw MeshException.invalid(MAX_COST, "max_cost must be a non-negative number of US dollars");
      }
      maxCost = n.doubleValue();
    }
    Long timeout = null;
    Object t = body.getValue(TIMEOUT_MS);
    if (t != null) {
      if (!(t instanceof Number n) || n.doubleValue() < 1 || n.doubleValue() > MAX_TIMEOUT_MS || n.doubleValue() != Math.rint(n.doubleValue())) {
        throw MeshException.invalid(TIMEOUT_MS, "timeout_ms must be a whole number of milliseconds from 1 to " + MAX_TIMEOUT_MS + " (a day)");
      }
      timeout = n.longValue();
    }
    return new RouteHints(privacy, strategy, provider, maxCost, timeout);
  }

  /** Hints from {@code other} where this one has none. */
  public RouteHints orElse(RouteHints other) {
    return new RouteHints(
      privacy != null ? privacy : other.privacy,
      strategy != null ? strategy : other.strategy,
      provider != null ? provider : other.provider,
      maxCostUsd != null ? maxCostUsd : other.maxCostUsd,
      timeoutMs != null ? timeoutMs : other.timeoutMs);
  }

  /** Writes the non-null hints into {@code body}. */
  public JsonObject writeTo(JsonObject body) {
    if (privacy != null) {
      body.put(PRIVACY, privacy.wireName());
    }
    if (strategy != null) {
      body.put(STRATEGY, strategy.wireName());
    }
    if (provider != null) {
      body.put(PROVIDER, provider);
    }
    if (maxCostUsd != null) {
      body.put(MAX_COST, maxCostUsd);
    }
    if (timeoutMs != null) {
      body.put(TIMEOUT_MS, timeoutMs);
    }
    return body;
  }

  /** The field {@code name} read by {@code parse} (null when absent); a wrong name is an error naming the field. */
  private static <T> T named(JsonObject body, String name, Function<String, T> parse) {
    Object v = body.getValue(name);
    if (v == null) {
      return null;
    }
    try {
      return parse.apply(stringField(v, name));
    } catch (IllegalArgumentException e) {
      throw MeshException.invalid(name, e.getMessage());
    }
  }

  private static String stringField(Object v, String name) {
    if (!(v instanceof String str) || str.isBlank()) {
      throw MeshException.invalid(name, name + " must be a non-empty string");
    }
    return str;
  }
}
