package io.switchboard.api;

import io.vertx.core.json.JsonObject;

/**
 * What the request records share in reading and writing their bodies: the checks a body begins with (said once with
 * their messages), and leaving an unset optional field out.
 */
final class RequestBodies {

  private RequestBodies() {
  }

  /** The body's {@code model}: the body must be an object and the model a non-empty string. */
  static String model(JsonObject body) {
    if (body == null) {
      throw MeshException.invalid(null, "the request body must be a JSON object");
    }
    Object model = body.getValue("model");
    if (!(model instanceof String m) || m.isBlank()) {
      throw MeshException.invalid("model", model == null ? "'model' is required" : "'model' must be a non-empty string");
    }
    return m;
  }

  /** Puts {@code value} under {@code key} unless it is null: an unset optional field is left out, not sent as null. */
  static void putSet(JsonObject json, String key, Object value) {
    if (value != null) {
      json.put(key, value);
    }
  }
}
