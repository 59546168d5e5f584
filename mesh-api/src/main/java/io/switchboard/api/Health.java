package io.switchboard.api;

import io.vertx.core.json.JsonObject;

import java.util.Locale;

/**
 * A backend's own view of its health. {@code DEGRADED} covers a cold start (a serverless endpoint scaled to
 * zero, a model still loading elsewhere): the router prefers other backends while it lasts.
 */
public record Health(Status status, String reason) {

  public enum Status {
    UP, DEGRADED, DOWN;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public static final Health UP = new Health(Status.UP, null);

  public static Health down(String reason) {
    return new Health(Status.DOWN, reason);
  }

  public static Health degraded(String reason) {
    return new Health(Status.DEGRADED, reason);
  }

  public boolean isUp() {
    return status == Status.UP;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("status", status.wireName());
    if (reason != null) {
      json.put("reason", reason);
    }
    return json;
  }

  public static Health fromJson(JsonObject json) {
    if (json == null) {
      return UP;
    }
    Status status;
    try {
      status = Status.valueOf(json.getString("status", "up").toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      status = Status.DOWN;
    }
    return new Health(status, json.getString("reason"));
  }
}
