package io.switchboard.api;

import io.vertx.core.json.JsonObject;

/**
 * Opens a realtime session ({@link Addresses#REALTIME}): the {@code model} (or alias), where the session's server events
 * go ({@code events}, an address the caller consumes), the {@code session} object the backend sends upstream as its
 * first {@code session.update} (GA shape: {@code type}, {@code instructions}, {@code audio.input.format}, ...), and the
 * routing hints ({@code privacy}, {@code strategy}, {@code provider}, {@code max_cost}).
 */
public record RealtimeRequest(String model, String events, JsonObject session, RouteHints hints) {

  public RealtimeRequest {
    session = session == null ? new JsonObject() : session;
    hints = hints == null ? RouteHints.NONE : hints;
  }

  public static RealtimeRequest fromJson(JsonObject body) {
    String m = RequestBodies.model(body);
    if (!(body.getValue("events") instanceof String e) || e.isBlank()) {
      throw MeshException.invalid("events", "'events' (the address the session's server events go to) is required");
    }
    Object session = body.getValue("session");
    if (session != null && !(session instanceof JsonObject)) {
      throw MeshException.invalid("session", "'session' must be an object");
    }
    return new RealtimeRequest(m, e, (JsonObject) session, RouteHints.fromJson(body));
  }

  public RealtimeRequest withModel(String m) {
    return new RealtimeRequest(m, events, session, hints);
  }

  public JsonObject toJson() {
    return hints.writeTo(new JsonObject().put("model", model).put("events", events).put("session", session.copy()));
  }
}
