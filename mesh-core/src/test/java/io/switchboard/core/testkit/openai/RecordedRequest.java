package io.switchboard.core.testkit.openai;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

/** One request as {@link FakeOpenAiServer} received it. */
public final class RecordedRequest {

  private final String method;
  private final String path;
  private final MultiMap headers;
  private final JsonObject body;
  private final String rawBody;
  private final Promise<Void> closedEarly = Promise.promise();
  private final long receivedAtMs = System.currentTimeMillis();

  RecordedRequest(String method, String path, MultiMap headers, JsonObject body, String rawBody) {
    this.method = method;
    this.path = path;
    this.headers = headers;
    this.body = body;
    this.rawBody = rawBody;
  }

  /** HTTP method, e.g. {@code POST}. */
  public String method() {
    return method;
  }

  /** Path without the query, e.g. {@code /v1/chat/completions}. */
  public String path() {
    return path;
  }

  /** A copy of the request headers (case-insensitive). */
  public MultiMap headers() {
    return headers;
  }

  public String header(String name) {
    return headers.get(name);
  }

  /** The JSON body, or null when there was none or it was not a JSON object. */
  public JsonObject body() {
    return body;
  }

  /** The body as text ("" when none). */
  public String rawBody() {
    return rawBody;
  }

  /** When the request arrived (wall clock, ms). */
  public long receivedAtMs() {
    return receivedAtMs;
  }

  /** The bearer token of the {@code Authorization} header, or null. */
  public String bearer() {
    String auth = headers.get("Authorization");
    return auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
  }

  /** Completes when the client closed the connection before this request's response was finished. */
  public Future<Void> closedEarly() {
    return closedEarly.future();
  }

  void markClosedEarly() {
    closedEarly.tryComplete();
  }

  @Override
  public String toString() {
    return method + " " + path + " " + rawBody;
  }
}
