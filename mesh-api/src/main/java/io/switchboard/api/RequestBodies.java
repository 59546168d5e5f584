package io.switchboard.api;

import io.vertx.core.json.JsonObject;

/** The checks the request bodies of the OpenAI-shaped endpoints begin with, said once with their messages. */
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
}
