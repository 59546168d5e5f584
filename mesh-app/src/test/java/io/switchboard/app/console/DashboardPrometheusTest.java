package io.switchboard.app.console;

import io.switchboard.app.MeshNode;
import io.switchboard.app.NodeOptions;
import io.switchboard.app.voice.Speech;
import io.switchboard.app.voice.StreamCaller;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Grafana dashboard and the alert rules against a real Prometheus (Debian's, run as a process): a node started as
 * {@code ./mesh run} starts one (its own Vert.x, metrics on) with three backends in front of fake OpenAI servers and the
 * usage ledger takes a little load that touches every panel (streams, embeddings, a failover, a retry, refusals, a key
 * with a budget, a breaker opened by upstream faults, a call with one answered turn); Prometheus scrapes it every second. Then every panel's PromQL
 * returns data, every alert rule evaluates without error, the breaker alert fires, {@code promtool check rules} passes,
 * and every Switchboard metric the dashboard and the rules use is in docs/metrics.md.
 */
class DashboardPrometheusTest {

  static final Path ROOT = Path.of(System.getProperty("switchboard.project.dir", "..")).toAbsolutePath().normalize();
  static final Path DASHBOARD = ROOT.resolve("deploy/grafana/switchboard.json");
  static final Path ALERTS = ROOT.resolve("deploy/prometheus/alerts.yml");
  static final Path CATALOGUE = ROOT.resolve("docs/metrics.md");
  private static final Pattern METRIC = Pattern.compile("\\b(switchboard_[a-z_]+)");

  @RegisterExtension
  static final TestVertx vx = new TestVertx();

  @Test
  void everyPanelReturnsDataAndEveryAlertEvaluates(@TempDir Path dir) throws Exception {
    Prometheus.requireInstalled();
    Vertx fakes = vx.get();
    MeshNode.Started started = null;
    try {
      FakeOpenAiServer a = FakeOpenAiServer.start(fakes).await(10, TimeUnit.SECONDS);
      FakeOpenAiServer b = FakeOpenAiServer.start(fakes).await(10, TimeUnit.SECONDS);
      FakeOpenAiServer c = FakeOpenAiServer.start(fakes).await(10, TimeUnit.SECONDS);
      Path conf = Files.createDirectories(dir.resolve("conf"));
      // JSON is YAML: the node reads this as its switchboard.yaml, as ./mesh run would.
      Files.writeString(conf.resolve("switchboard.yaml"), ConsoleNode.config(a, b, c, dir.resolve("usage"), new JsonObject()).encodePrettily());
      started = MeshNode.start(new NodeOptions("all", Set.of(), false, conf, null, ConsoleNode.ENV, true)).await(60, TimeUnit.SECONDS);
      ConsoleNode node = new ConsoleNode(started.httpPort());
      awaitLive(node, ConsoleNode.BACKENDS);
      load(node, a, b, c);
      call(fakes, node);
      try (Prometheus prometheus = Prometheus.start(dir, "127.0.0.1:" + started.httpPort(), ALERTS)) {
        awaitScrapes(prometheus, 2);
        // a few more requests while Prometheus watches, so that every rate has two samples to compare
        for (int i = 0; i < 5; i++) {
          node.chat(ConsoleNode.chatBody(i % 2 == 0), Map.of());
        }
        panelsReturnData(prometheus);
        rulesEvaluate(prometheus);
      }
    } finally {
      if (started != null) {
        started.vertx().close().await(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void promtoolChecksTheRules() throws Exception {
    Prometheus.ProcessResult result = Prometheus.promtool(List.of("check", "rules", ALERTS.toString()));
    assertEquals(0, result.exit(), result.output());
    assertTrue(result.output().contains("SUCCESS"), result.output());
  }

  @Test
  void theDashboardIsImportableAndItsMetricsAreCatalogued() throws Exception {
    JsonObject dashboard = new JsonObject(Files.readString(DASHBOARD));
    JsonArray inputs = dashboard.getJsonArray("__inputs");
    assertEquals("DS_PROMETHEUS", inputs.getJsonObject(0).getString("name"));
    assertEquals("prometheus", inputs.getJsonObject(0).getString("pluginId"));
    assertTrue(dashboard.getString("uid").length() <= 40 && dashboard.getInteger("schemaVersion") >= 36, dashboard.getString("uid"));
    Set<Integer> ids = new TreeSet<>();
    List<JsonObject> panels = panels(dashboard);
    for (JsonObject p : panels) {
      assertTrue(ids.add(p.getInteger("id")), "panel ids are unique: " + p.getInteger("id"));
      assertTrue(p.getJsonObject("gridPos").containsKey("w"), p.getString("title"));
      if (!p.getString("type").equals("row")) {
        assertEquals("${DS_PROMETHEUS}", p.getJsonObject("datasource").getString("uid"), p.getString("title"));
        assertFalse(p.getJsonArray("targets").isEmpty(), p.getString("title"));
      }
    }
    Set<String> used = new TreeSet<>();
    for (String expr : expressions(dashboard).values()) {
      used.addAll(metrics(expr));
    }
    for (String expr : rules().values()) {
      used.addAll(metrics(expr));
    }
    String catalogue = Files.readString(CATALOGUE);
    for (String m : used) {
      assertTrue(catalogue.contains("`" + m + "`"), m + " is used by the dashboard or the alerts but not in docs/metrics.md");
    }
  }

  // ---- the load

  private static void load(ConsoleNode node, FakeOpenAiServer a, FakeOpenAiServer b, FakeOpenAiServer c) throws Exception {
    JsonObject key = node.admin("POST", "/api/v1/keys", new JsonObject().put("name", "dashboard")
      .put("limits", new JsonObject().put("daily_budget_usd", 1.0).put("monthly_budget_usd", 20.0)));
    Map<String, String> withKey = Map.of("authorization", "Bearer " + key.getString("api_key"));
    for (int i = 0; i < 6; i++) {
      assertEquals(200, node.chat(ConsoleNode.chatBody(false), i % 2 == 0 ? withKey : Map.of()).statusCode());
      assertEquals(200, node.chat(ConsoleNode.chatBody(true), withKey).statusCode());
    }
    HttpResponse<String> embed = node.send("POST", "/v1/embeddings", new JsonObject().put("model", "text-embedding-3-small")
      .put("input", "a sentence").encode(), Map.of());
    assertEquals(200, embed.statusCode(), embed.body());
    // a failover: cloud-a fails before any content, cloud-b serves
    a.enqueue(Behaviour.error(500, "cloud-a hiccup"));
    HttpResponse<String> failover = node.chat(ConsoleNode.chatBody(false), Map.of());
    assertTrue(failover.headers().firstValue("x-switchboard-route").orElse("").contains("cloud-a(upstream_error"),
      failover.headers().map().toString());
    // a retry: the only candidate fails once, then serves
    b.enqueue(Behaviour.error(500, "once"));
    HttpResponse<String> retried = node.chat(ConsoleNode.chatBody(false).put("provider", "cloud-b"), Map.of());
    assertEquals(200, retried.statusCode(), retried.body());
    // refusals: nothing private enough, a body that is not JSON, a model nobody serves
    assertEquals(503, node.chat(ConsoleNode.chatBody(false).put("privacy", "local"), Map.of()).statusCode());
    assertEquals(400, node.send("POST", "/v1/chat/completions", "{not json", Map.of()).statusCode());
    assertEquals(404, node.chat(ConsoleNode.chatBody(false).put("model", "no-such-model"), Map.of()).statusCode());
    // the workstation's breaker opens: its upstream keeps failing
    for (int i = 0; i < 6; i++) {
      c.enqueue(Behaviour.error(500, "workstation down"));
    }
    for (int i = 0; i < 3; i++) {
      node.chat(ConsoleNode.chatBody(false).put("provider", "workstation"), Map.of());
    }
    JsonObject status = node.admin("GET", "/api/v1/providers/status", null);
    assertEquals("open", status.getJsonArray("backends").stream().map(JsonObject.class::cast)
      .filter(r -> r.getString("id").equals("workstation")).findFirst().orElseThrow().getJsonObject("breaker").getString("state"));
  }

  /** One call with one answered turn, then hung up: the voice panels' histograms and counters. */
  private static void call(Vertx vertx, ConsoleNode node) throws Exception {
    StreamCaller caller = StreamCaller.connect(vertx, node.port, 16_000, new JsonObject()).await(10, TimeUnit.SECONDS);
    caller.say(Speech.at16k(Speech.FIRST));
    long deadline = System.currentTimeMillis() + 60_000;
    while (caller.events("turn.metrics").isEmpty() && System.currentTimeMillis() < deadline) {
      TimeUnit.MILLISECONDS.sleep(100); // the caller's events arrive on its own context: polled, bounded
    }
    assertFalse(caller.events("turn.metrics").isEmpty(), "the call's turn was answered");
    caller.stop();
    caller.closed().await(10, TimeUnit.SECONDS);
  }

  private static void awaitLive(ConsoleNode node, int backends) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      HttpResponse<String> ready = node.send("GET", "/health/ready", null, Map.of());
      if (ready.statusCode() == 200 && new JsonObject(ready.body()).getInteger("live_backends") >= backends) {
        return;
      }
      TimeUnit.MILLISECONDS.sleep(100); // polling another process's HTTP: there is no event to wait on
    }
    throw new AssertionError("the node did not see " + backends + " live backends");
  }

  // ---- Prometheus

  private static void awaitScrapes(Prometheus prometheus, int scrapes) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      JsonObject answer = prometheus.query("count_over_time(up{job=\"switchboard\"}[1m])");
      JsonArray result = answer == null ? null : answer.getJsonObject("data").getJsonArray("result");
      if (result != null && !result.isEmpty() && Double.parseDouble(result.getJsonObject(0).getJsonArray("value").getString(1)) >= scrapes) {
        JsonObject up = prometheus.query("up{job=\"switchboard\"}");
        assertEquals("1", up.getJsonObject("data").getJsonArray("result").getJsonObject(0).getJsonArray("value").getString(1),
          "the target is up: " + prometheus.api("targets"));
        return;
      }
      TimeUnit.MILLISECONDS.sleep(250); // polling Prometheus's HTTP API: there is no event to wait on
    }
    throw new AssertionError("Prometheus did not scrape the node twice: " + prometheus.api("targets") + "\n" + prometheus.readLog());
  }

  private static void panelsReturnData(Prometheus prometheus) throws Exception {
    Map<String, String> exprs = expressions(new JsonObject(Files.readString(DASHBOARD)));
    Map<String, String> empty = new LinkedHashMap<>(exprs);
    long deadline = System.currentTimeMillis() + 60_000;
    while (!empty.isEmpty() && System.currentTimeMillis() < deadline) {
      for (Map.Entry<String, String> e : new ArrayList<>(empty.entrySet())) {
        JsonObject answer = prometheus.query(grafanaToPromQl(e.getValue()));
        assertEquals("success", answer.getString("status"), e.getKey() + ": " + answer.encode());
        if (!answer.getJsonObject("data").getJsonArray("result").isEmpty()) {
          empty.remove(e.getKey());
        }
      }
      if (!empty.isEmpty()) {
        TimeUnit.MILLISECONDS.sleep(1000); // the next scrape
      }
    }
    assertEquals(Map.of(), empty, "panels whose query returns no data");
  }

  private static void rulesEvaluate(Prometheus prometheus) throws Exception {
    Map<String, String> expected = rules();
    long deadline = System.currentTimeMillis() + 60_000;
    String last = "";
    while (System.currentTimeMillis() < deadline) {
      JsonArray groups = prometheus.api("rules").getJsonObject("data").getJsonArray("groups");
      Map<String, JsonObject> byName = new LinkedHashMap<>();
      groups.stream().map(JsonObject.class::cast).flatMap(g -> g.getJsonArray("rules").stream().map(JsonObject.class::cast))
        .forEach(r -> byName.put(r.getString("name"), r));
      last = byName.toString();
      assertEquals(expected.keySet(), byName.keySet(), "the rules Prometheus loaded");
      boolean allOk = byName.values().stream().allMatch(r -> "ok".equals(r.getString("health")));
      for (JsonObject r : byName.values()) {
        assertFalse("err".equals(r.getString("health")), r.getString("name") + ": " + r.getString("lastError"));
      }
      if (allOk && "firing".equals(byName.get("SwitchboardBreakerOpen").getString("state"))) {
        JsonArray alerts = byName.get("SwitchboardBreakerOpen").getJsonArray("alerts");
        assertTrue(alerts.stream().map(JsonObject.class::cast).anyMatch(x -> "workstation".equals(x.getJsonObject("labels").getString("backend"))),
          alerts.encode());
        return;
      }
      TimeUnit.MILLISECONDS.sleep(500); // the next rule evaluation
    }
    throw new AssertionError("the rules did not all evaluate, or the breaker alert did not fire: " + last);
  }

  /** Grafana's variables replaced as Grafana would for "All" and a short range. */
  static String grafanaToPromQl(String expr) {
    return expr.replace("$__rate_interval", "1m").replace("$__interval", "15s").replace("$__range", "5m")
      .replace("${backend}", ".*").replace("$backend", ".*");
  }

  // ---- reading the dashboard and the rules

  private static List<JsonObject> panels(JsonObject dashboard) {
    List<JsonObject> out = new ArrayList<>();
    for (Object o : dashboard.getJsonArray("panels")) {
      JsonObject p = (JsonObject) o;
      out.add(p);
      for (Object inner : p.getJsonArray("panels", new JsonArray())) {
        out.add((JsonObject) inner);
      }
    }
    return out;
  }

  /** Every target's expression, by "panel title #refId". */
  static Map<String, String> expressions(JsonObject dashboard) {
    Map<String, String> out = new LinkedHashMap<>();
    for (JsonObject p : panels(dashboard)) {
      for (Object t : p.getJsonArray("targets", new JsonArray())) {
        JsonObject target = (JsonObject) t;
        out.put(p.getString("title") + " #" + target.getString("refId"), target.getString("expr"));
      }
    }
    return out;
  }

  /** Every alert rule's expression, by name. */
  @SuppressWarnings("unchecked")
  static Map<String, String> rules() throws Exception {
    Map<String, Object> yaml = new Yaml().load(Files.readString(ALERTS));
    Map<String, String> out = new LinkedHashMap<>();
    for (Map<String, Object> group : (List<Map<String, Object>>) yaml.get("groups")) {
      for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
        out.put((String) rule.get("alert"), (String) rule.get("expr"));
      }
    }
    return out;
  }

  private static Set<String> metrics(String expr) {
    Set<String> out = new TreeSet<>();
    Matcher m = METRIC.matcher(expr);
    while (m.find()) {
      out.add(m.group(1).replaceAll("_(bucket|count|sum)$", ""));
    }
    return out;
  }
}
