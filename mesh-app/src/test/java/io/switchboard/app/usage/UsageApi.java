package io.switchboard.app.usage;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A test's HTTP client of one Switchboard node: chat requests, the keys and usage admin API, the CSV export. */
public final class UsageApi {

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final int port;
  private final String adminToken;

  public UsageApi(int port, String adminToken) {
    this.port = port;
    this.adminToken = adminToken;
  }

  public static JsonObject chatBody(String model, boolean stream) {
    return new JsonObject().put("model", model).put("stream", stream)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "Say hello.")));
  }

  HttpResponse<String> post(String path, String contentType, String body, String... headers) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
      .header("content-type", contentType).POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** {@code POST /v1/chat/completions}; {@code headers} are name, value pairs. */
  public HttpResponse<String> chat(JsonObject body, String... headers) throws IOException, InterruptedException {
    return post("/v1/chat/completions", "application/json", body.encode(), headers);
  }

  public HttpResponse<String> admin(String method, String path, JsonObject body, String token) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
      .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
    if (body != null) {
      b.header("content-type", "application/json");
    }
    if (token != null) {
      b.header("authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> admin(String method, String path, JsonObject body) throws IOException, InterruptedException {
    return admin(method, path, body, adminToken);
  }

  /** Creates a key through the admin API: the answer's {@code api_key} is the plaintext, {@code key.id} its id. */
  public JsonObject createKey(String name, JsonObject limits) throws IOException, InterruptedException {
    HttpResponse<String> res = admin("POST", "/api/v1/keys", new JsonObject().put("name", name).put("limits", limits));
    if (res.statusCode() != 201) {
      throw new AssertionError("key not created: " + res.statusCode() + " " + res.body());
    }
    return new JsonObject(res.body());
  }

  String export() throws IOException, InterruptedException {
    HttpResponse<String> res = admin("GET", "/api/v1/usage/export", null);
    if (res.statusCode() != 200) {
      throw new AssertionError("export failed: " + res.statusCode() + " " + res.body());
    }
    return res.body();
  }

  /**
   * The exported rows of each request id, once every id has at least one (records reach the store shortly after they
   * are journaled); fails naming the missing ones after {@code timeoutMs}.
   */
  public Map<String, List<Map<String, String>>> awaitRecords(Collection<String> requestIds, long timeoutMs) throws Exception {
    long end = System.currentTimeMillis() + timeoutMs;
    Map<String, List<Map<String, String>>> byId = new HashMap<>();
    List<String> missing = new ArrayList<>(requestIds);
    while (System.currentTimeMillis() < end) {
      byId.clear();
      for (Map<String, String> row : Csv.parse(export())) {
        byId.computeIfAbsent(row.get("request_id"), k -> new ArrayList<>()).add(row);
      }
      missing = requestIds.stream().filter(id -> !byId.containsKey(id)).toList();
      if (missing.isEmpty()) {
        return byId;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(missing.size() + " request(s) without a usage record, e.g. " + missing.subList(0, Math.min(5, missing.size())));
  }

  /** The one row of {@code requestId}. */
  Map<String, String> record(String requestId) throws Exception {
    List<Map<String, String>> rows = awaitRecords(List.of(requestId), 15_000).get(requestId);
    if (rows.size() != 1) {
      throw new AssertionError(rows.size() + " records of " + requestId + ": " + rows);
    }
    return rows.get(0);
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }
}
