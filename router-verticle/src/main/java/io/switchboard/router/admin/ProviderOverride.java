package io.switchboard.router.admin;

import io.switchboard.api.MeshException;
import io.switchboard.router.limits.Limits;
import io.vertx.core.json.JsonObject;

/**
 * What an operator changed about one backend through the admin API, over what conf says: enabled, priority,
 * limits, and free-form {@code config} kept for operators' own use (shown in status, not interpreted by the
 * router). Null fields mean "as conf says".
 */
public record ProviderOverride(Boolean enabled, Integer priority, Limits limits, JsonObject config) {

  public static final ProviderOverride NONE = new ProviderOverride(null, null, null, null);

  /**
   * Validates an update body ({@code {"provider","enabled","priority","limits","config"}}) and returns this override
   * with its fields replaced; a bad field is a 400 naming it.
   */
  public ProviderOverride merge(JsonObject update) {
    Boolean e = enabled;
    Integer p = priority;
    Limits l = limits;
    JsonObject c = config;
    boolean any = false;
    if (update.containsKey("enabled")) {
      if (!(update.getValue("enabled") instanceof Boolean b)) {
        throw MeshException.invalid("enabled", "'enabled' must be true or false");
      }
      e = b;
      any = true;
    }
    if (update.containsKey("priority")) {
      Object v = update.getValue("priority");
      if (v != null && (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()))) {
        throw MeshException.invalid("priority", "'priority' must be an integer (or null for the configured one)");
      }
      p = v == null ? null : ((Number) v).intValue();
      any = true;
    }
    if (update.containsKey("limits")) {
      Object v = update.getValue("limits");
      if (v != null && !(v instanceof JsonObject)) {
        throw MeshException.invalid("limits", "'limits' must be an object {rpm, tpm, concurrency} (or null for the configured ones)");
      }
      try {
        l = v == null ? null : Limits.fromJson((JsonObject) v, "limits");
      } catch (IllegalArgumentException ex) {
        throw MeshException.invalid("limits", ex.getMessage());
      }
      any = true;
    }
    if (update.containsKey("config")) {
      Object v = update.getValue("config");
      if (v != null && !(v instanceof JsonObject)) {
        throw MeshException.invalid("config", "'config' must be an object");
      }
      c = v == null ? null : ((JsonObject) v).copy();
      any = true;
    }
    if (!any) {
      throw MeshException.invalid(null, "nothing to update: give at least one of enabled, priority, limits, config");
    }
    return new ProviderOverride(e, p, l, c);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    if (enabled != null) {
      json.put("enabled", enabled);
    }
    if (priority != null) {
      json.put("priority", priority);
    }
    if (limits != null) {
      json.put("limits", limits.toJson());
    }
    if (config != null) {
      json.put("config", config.copy());
    }
    return json;
  }

  /** Reads {@link #toJson()} (what travels on the bus and sits in the cluster map). */
  public static ProviderOverride fromJson(JsonObject json) {
    if (json == null || json.isEmpty()) {
      return NONE;
    }
    return NONE.merge(json);
  }
}
