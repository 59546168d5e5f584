package io.switchboard.core.testkit.openai;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

/**
 * One request as {@link FakeOpenAiServer} received it: HTTP method (e.g. {@code POST}), path without the query (e.g.
 * {@code /v1/chat/completions}), a copy of the request headers (case-insensitive), the JSON body (null when there was
 * none or it was not a JSON object), the body as text ("" when none), and when it arrived (wall clock, ms).
 * {@code closing} completes when the client closed the connection before the response was finished.
 */
public record RecordedRequest(String method, String path, MultiMap headers, JsonObject body, String rawBody,
    long receivedAtMs, Promise<Void> closing) {

  static RecordedRequest now(String method, String path, MultiMap headers, JsonObject body, String rawBody) {
    return new RecordedRequest(method, path, headers, body, rawBody, System.currentTimeMillis(), Promise.promise());
  }

  public String header(String name) {
    return headers.get(name);
  }

  /** The bearer token of the {@code Authorization} header, or null. */
  public String bearer() {
    String auth = headers.get("Authorization");
    return auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
  }

  /** Completes when the client closed the connection before this request's response was finished. */
  public Future<Void> closedEarly() {
    return closing.future();
  }

  void markClosedEarly() {
    closing.tryComplete();
  }

  @Override
  public String toString() {
    return method + " " + path + " " + rawBody;
  }
}
