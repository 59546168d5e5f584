package io.switchboard.usage.keys;

import io.switchboard.api.KeyLimits;
import io.switchboard.api.MeshException;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * A change to a key's limits, read as a JSON merge patch: the fields it names replace the key's, a field given as
 * {@code null} goes back to "no limit", fields it leaves out stay as they are. Only the fields a key's limits have
 * may appear, so that a misspelt field is refused instead of silently changing nothing.
 */
final class KeyLimitsPatch {

  static final Set<String> FIELDS = Set.of("daily_budget_usd", "monthly_budget_usd", "requests_per_minute", "privacy",
    "allowed_providers", "allowed_models");

  private final JsonObject fields;

  private KeyLimitsPatch(JsonObject fields) {
    this.fields = fields;
  }

  /** The patch in {@code limits}; INVALID_REQUEST naming the field when it is not an object of known limits. */
  static KeyLimitsPatch of(Object limits) {
    if (!(limits instanceof JsonObject json)) {
      throw MeshException.invalid("limits", "'limits' must be an object of the limits to change ("
        + String.join(", ", FIELDS.stream().sorted().toList()) + ")");
    }
    if (json.isEmpty()) {
      throw MeshException.invalid("limits", "'limits' names no limit to change");
    }
    for (String field : json.fieldNames()) {
      if (!FIELDS.contains(field)) {
        throw MeshException.invalid(field, "'" + field + "' is not a key limit (" + String.join(", ", FIELDS.stream().sorted().toList()) + ")");
      }
    }
    KeyLimits.fromJson(json); // each value checked on its own, so the error names the field the caller sent
    return new KeyLimitsPatch(json.copy());
  }

  /** {@code current} with this patch applied. */
  KeyLimits applyTo(KeyLimits current) {
    JsonObject merged = current.toJson();
    fields.forEach(e -> merged.put(e.getKey(), e.getValue()));
    return KeyLimits.fromJson(merged);
  }
}
