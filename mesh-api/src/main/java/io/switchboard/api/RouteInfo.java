package io.switchboard.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The router's explanation of a request: which backend served (and with which model), and every candidate it
 * skipped or tried, with the reason. Sent in the {@code switchboard} field of bus replies, the
 * {@code x-switchboard-backend} / {@code x-switchboard-route} headers over HTTP, and the usage record.
 */
public record RouteInfo(String backend, String model, List<Skip> skipped) {

  /** A candidate that did not serve: {@code reason} is short and free of secrets. */
  public record Skip(String backend, String reason) {
    public JsonObject toJson() {
      return new JsonObject().put("backend", backend).put("reason", reason);
    }
  }

  public RouteInfo {
    skipped = List.copyOf(skipped);
  }

  public JsonObject toJson() {
    JsonArray s = new JsonArray();
    skipped.forEach(k -> s.add(k.toJson()));
    return new JsonObject().put("backend", backend).put("model", model).put("skipped", s);
  }

  public static RouteInfo fromJson(JsonObject json) {
    List<Skip> skipped = new ArrayList<>();
    for (Object o : json.getJsonArray("skipped", new JsonArray())) {
      if (o instanceof JsonObject k) {
        skipped.add(new Skip(k.getString("backend"), k.getString("reason")));
      }
    }
    return new RouteInfo(json.getString("backend"), json.getString("model"), skipped);
  }

  /** Compact one-line form for the HTTP header: {@code served=openai; skipped=local(breaker open),...}. */
  public String toHeader() {
    StringBuilder sb = new StringBuilder("served=").append(backend);
    if (!skipped.isEmpty()) {
      sb.append("; skipped=");
      for (int i = 0; i < skipped.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        sb.append(skipped.get(i).backend()).append('(').append(skipped.get(i).reason().replace(',', ' ').replace(';', ' ')).append(')');
      }
    }
    return sb.toString();
  }
}
