package io.switchboard.app.console;

import io.switchboard.app.MeshNode;
import io.switchboard.app.NodeOptions;
import io.switchboard.app.voice.Speech;
import io.switchboard.app.voice.StreamCaller;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.router.MeshFixture;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin page in a real browser (Debian's Chromium, headless, through Selenium) against a whole node with three
 * backends in front of fake OpenAI servers and the usage ledger: a wrong token is refused; log in; see the backends;
 * disable one and see the router skip it; a state change without the CSRF token is refused; change the strategy and
 * plan a request; the usage chart after a few requests; create a key, use it, revoke it; a live call in the calls view;
 * switch the voice mode from the page, and a stale switch refused; every change in the audit view;
 * a breaker that opens and a node that drains show on the page; no error in the browser's console; neither the admin
 * token, the upstream key nor the created API key in the page's audit view or any line the node logged. Each view is
 * saved as a screenshot ({@code target/console-screenshots}, or {@code -Dconsole.screenshots=<dir>}: docs/images for
 * the README).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {

  private Vertx vertx;
  private Path dir;
  private FakeOpenAiServer a;
  private FakeOpenAiServer b;
  private FakeOpenAiServer c;
  private MeshNode.Started started;
  private ConsoleNode node;
  private Chromium browser;
  private Path shots;
  /** Every line the node logs while the test runs (java.util.logging, where System.Logger goes). */
  private final List<String> logLines = new CopyOnWriteArrayList<>();
  private final Handler logTap = new Handler() {
    private final SimpleFormatter format = new SimpleFormatter();

    @Override
    public void publish(LogRecord record) {
      logLines.add(format.format(record));
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
  };
  /** What must reach no page and no log line: the admin token, the upstream key, the API key the page created. */
  private final List<String> secrets = new CopyOnWriteArrayList<>(List.of(ConsoleNode.ADMIN, ConsoleNode.ENV.get(ConsoleNode.KEY_ENV)));
  /** Refusals the test causes on purpose: the browser logs each as a failed resource load. */
  private final List<String> expectedRefusals = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    Logger.getLogger("").addHandler(logTap);
    browser = Chromium.start();
    dir = Files.createTempDirectory("console-browser");
    shots = Path.of(System.getProperty("console.screenshots", "target/console-screenshots")).toAbsolutePath();
    vertx = Vertx.vertx();
    a = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS);
    b = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS);
    c = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS);
    JsonObject config = ConsoleNode.config(a, b, c, dir.resolve("usage"), new JsonObject());
    started = MeshNode.deploy(vertx, new NodeOptions("all", Set.of(), false, Path.of("conf"), null, ConsoleNode.ENV, false), config)
      .await(60, TimeUnit.SECONDS);
    MeshFixture.awaitLive(vertx, ConsoleNode.BACKENDS);
    node = new ConsoleNode(started.httpPort());
  }

  @AfterAll
  void stop() throws Exception {
    Logger.getLogger("").removeHandler(logTap);
    try {
      if (browser != null) {
        browser.close();
      }
    } finally {
      if (vertx != null) {
        vertx.close().await(30, TimeUnit.SECONDS);
      }
    }
  }

  private void open(String hash) {
    browser.driver.get(node.base() + "/admin/" + hash);
  }

  private void tab(String view) {
    browser.driver.findElement(By.cssSelector("#tabs a[data-view=" + view + "]")).click();
  }

  /** Confirms the dialog every change opens, then waits for the toast saying it was applied. */
  private void confirm() {
    WebElement ok = browser.await(ExpectedConditions.elementToBeClickable(By.id("confirm-ok")));
    ok.click();
    browser.await(ExpectedConditions.textToBePresentInElementLocated(By.id("toasts"), "applied"));
  }

  @Test
  @Order(1)
  void aWrongTokenIsRefused() throws Exception {
    open("");
    browser.await(ExpectedConditions.visibilityOfElementLocated(By.id("login-token"))).sendKeys("not-the-token");
    browser.byId("login-submit").click();
    WebElement error = browser.await(ExpectedConditions.visibilityOfElementLocated(By.id("login-error")));
    assertEquals("That is not the admin token.", error.getText());
    expectedRefusals.add("/admin/api/session - Failed to load resource: the server responded with a status of 401");
    assertTrue(browser.byId("shell").getAttribute("hidden") != null, "still logged out");
    assertNull(browser.driver.manage().getCookieNamed("switchboard_admin"), "no session for a wrong token");
    assertEquals("", browser.byId("login-token").getAttribute("value"), "the token is cleared from the form once sent");
    browser.screenshot(shots, "login");
  }

  @Test
  @Order(2)
  void logInAndSeeTheBackends() throws Exception {
    browser.byId("login-token").sendKeys(ConsoleNode.ADMIN);
    browser.byId("login-name").sendKeys("alice");
    browser.byId("login-submit").click();
    browser.await(ExpectedConditions.visibilityOfElementLocated(By.id("backends-table")));
    for (String id : List.of("cloud-a", "cloud-b", "workstation", "local-whisper", "local-tts")) {
      // each backend's row lists its instance with the health its heartbeat reports
      browser.await(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-backend=" + id + "] [data-instance-health=up]")));
    }
    assertTrue(browser.byId("who").getText().startsWith("logged in as alice"), browser.byId("who").getText());
    Cookie session = browser.driver.manage().getCookieNamed("switchboard_admin");
    assertNotNull(session);
    assertTrue(session.isHttpOnly(), "HttpOnly");
    assertEquals("Strict", session.getSameSite());
    assertFalse(session.isSecure(), "plain HTTP here: not Secure (it is over TLS)");
    assertNotNull(session.getExpiry(), "the session cookie expires");
    assertFalse(session.getValue().contains(ConsoleNode.ADMIN), "the cookie does not hold the token");
    JavascriptExecutor js = (JavascriptExecutor) browser.driver;
    assertEquals("", js.executeScript("return document.cookie"), "the session cookie is not readable by scripts");
    assertEquals(0L, js.executeScript("return localStorage.length + sessionStorage.length"), "nothing kept in web storage");
    // a few requests, so that latency, usage and the chart have something to show
    for (int i = 0; i < 6; i++) {
      assertEquals(200, node.chat(ConsoleNode.chatBody(i % 2 == 0), Map.of()).statusCode());
    }
    browser.await(ExpectedConditions.textMatches(By.cssSelector("tr[data-backend=cloud-a]"), Pattern.compile("\\d+ ms / \\d+ ms")));
    // ... per instance too: latency and errors of the requests this router sent to that instance
    browser.await(ExpectedConditions.textMatches(By.cssSelector("tr[data-backend=cloud-a] [data-instance-figures]"),
      Pattern.compile("\\d+ ms / \\d+ ms · 0\\.0% errors of \\d+")));
    browser.await(ExpectedConditions.textToBePresentInElementLocated(By.id("node-state"), "node-1: live"));
  }

  @Test
  @Order(3)
  void disableABackendAndTheRouterSkipsIt() throws Exception {
    HttpResponse<String> before = node.chat(ConsoleNode.chatBody(false), Map.of());
    assertEquals("cloud-a", before.headers().firstValue("x-switchboard-backend").orElse(null));
    browser.driver.findElement(By.cssSelector("button[data-toggle=cloud-a]")).click();
    assertTrue(browser.byId("confirm-text").getText().contains("Disable cloud-a on every router"), browser.byId("confirm-text").getText());
    confirm();
    browser.await(ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-disabled=cloud-a]")));
    HttpResponse<String> after = node.chat(ConsoleNode.chatBody(false), Map.of());
    assertEquals(200, after.statusCode());
    assertEquals("cloud-b", after.headers().firstValue("x-switchboard-backend").orElse(null));
    String route = after.headers().firstValue("x-switchboard-route").orElseThrow();
    assertTrue(route.startsWith("served=cloud-b;") && route.contains("cloud-a(disabled by admin)"), route);
    // the change is in the audit list: who (the session), what, when
    WebElement recent = browser.await(ExpectedConditions.visibilityOfElementLocated(By.id("recent-changes")));
    browser.await(ExpectedConditions.textToBePresentInElement(recent, "backend cloud-a: disabled"));
    assertTrue(recent.getText().contains("alice (session "), recent.getText());
    JsonArray audit = node.admin("GET", "/admin/api/audit", null).getJsonArray("entries");
    JsonObject entry = audit.stream().map(JsonObject.class::cast).filter(e -> e.getString("action").equals("POST /api/v1/providers/update"))
      .findFirst().orElseThrow(() -> new AssertionError(audit.encodePrettily()));
    assertTrue(entry.getString("who").startsWith("alice (session "), entry.encode());
    assertEquals(new JsonObject().put("provider", "cloud-a").put("enabled", false), entry.getJsonObject("detail"));
    assertTrue(Math.abs(System.currentTimeMillis() - entry.getLong("time")) < 60_000, entry.encode());
    browser.screenshot(shots, "backends");
  }

  @Test
  @Order(4)
  void aStateChangeWithoutTheCsrfTokenIsRefused() throws Exception {
    // from the page itself: a script's call with the session cookie but without the token
    Object fromPage = ((JavascriptExecutor) browser.driver).executeAsyncScript(
      "const done = arguments[arguments.length - 1];"
        + "fetch('/api/v1/providers/update', {method: 'POST', credentials: 'same-origin', headers: {'content-type': 'application/json'},"
        + " body: JSON.stringify({provider: 'cloud-a', enabled: true})}).then(r => done(r.status), e => done(String(e)));");
    assertEquals(403L, fromPage);
    expectedRefusals.add("/api/v1/providers/update - Failed to load resource: the server responded with a status of 403");
    // and from anywhere else that holds the cookie
    String cookie = "switchboard_admin=" + browser.driver.manage().getCookieNamed("switchboard_admin").getValue();
    String body = new JsonObject().put("provider", "cloud-a").put("enabled", true).encode();
    HttpResponse<String> none = node.send("POST", "/api/v1/providers/update", body, Map.of("cookie", cookie));
    assertEquals(403, none.statusCode(), none.body());
    assertTrue(none.body().contains("CSRF"), none.body());
    HttpResponse<String> wrong = node.send("POST", "/api/v1/providers/update", body, Map.of("cookie", cookie, "x-csrf-token", "forged"));
    assertEquals(403, wrong.statusCode(), wrong.body());
    HttpResponse<String> keyless = node.send("POST", "/api/v1/keys", new JsonObject().put("name", "sneaky").encode(), Map.of("cookie", cookie));
    assertEquals(403, keyless.statusCode(), keyless.body());
    JsonObject status = node.admin("GET", "/api/v1/providers/status", null);
    assertFalse(status.getJsonArray("backends").stream().map(JsonObject.class::cast).filter(r -> r.getString("id").equals("cloud-a"))
      .findFirst().orElseThrow().getBoolean("enabled"), "nothing changed");
    // reading needs no CSRF token, and the same cookie with the session's token is let through
    assertEquals(200, node.send("GET", "/api/v1/providers/status", null, Map.of("cookie", cookie)).statusCode());
    String csrf = new JsonObject(node.send("GET", "/admin/api/session", null, Map.of("cookie", cookie)).body()).getString("csrf");
    assertEquals(200, node.send("POST", "/api/v1/providers/update", body, Map.of("cookie", cookie, "x-csrf-token", csrf)).statusCode());
    browser.await(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("[data-disabled=cloud-a]")));
  }

  @Test
  @Order(5)
  void changeTheStrategyAndPlanARequest() throws Exception {
    tab("routing");
    WebElement strategy = browser.await(ExpectedConditions.visibilityOfElementLocated(By.id("strategy-default")));
    new Select(strategy).selectByValue("cost");
    browser.byId("apply-strategy").click();
    confirm();
    assertEquals("cost", node.admin("GET", "/api/v1/strategy", null).getString("strategy"));
    HttpResponse<String> cheapest = node.chat(ConsoleNode.chatBody(false), Map.of());
    assertEquals("workstation", cheapest.headers().firstValue("x-switchboard-backend").orElse(null), "cost: the free backend first");

    new Select(browser.byId("plan-privacy")).selectByValue("zdr");
    browser.byId("plan-submit").click();
    WebElement verdict = browser.await(ExpectedConditions.visibilityOfElementLocated(By.id("plan-verdict")));
    browser.await(ExpectedConditions.textToBePresentInElement(verdict, "Would be served by workstation"));
    assertTrue(verdict.getText().contains("strategy cost"), verdict.getText());
    WebElement skipped = browser.await(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-skipped=cloud-a]")));
    assertTrue(skipped.getText().contains("privacy cloud exceeds zdr"), skipped.getText());
    assertEquals(2, browser.driver.findElements(By.cssSelector("tr[data-candidate]")).size(), "workstation, then cloud-b");
    browser.screenshot(shots, "routing");
  }

  @Test
  @Order(6)
  void theUsageChartAfterAFewRequests() throws Exception {
    for (int i = 0; i < 4; i++) {
      assertEquals(200, node.chat(ConsoleNode.chatBody(true), Map.of("x-switchboard-strategy", "fallback")).statusCode());
    }
    tab("usage");
    // The ledger ships records to its store within a moment: refresh until the chart's legend names both backends. A
    // refresh re-renders the chart, so an element read a moment ago may be gone: each poll reads it afresh.
    String legend = new WebDriverWait(browser.driver, Duration.ofSeconds(30)).pollingEvery(Duration.ofSeconds(1))
      .ignoring(StaleElementReferenceException.class).ignoring(NoSuchElementException.class)
      .withMessage("the usage chart's legend names cloud-a and workstation")
      .until(d -> {
        String text = d.findElements(By.cssSelector("#usage-chart rect.bar")).isEmpty() ? ""
          : d.findElement(By.cssSelector("#usage-chart .legend")).getText();
        if (text.contains("cloud-a") && text.contains("workstation")) return text;
        d.findElement(By.id("usage-refresh")).click();
        return null;
      });
    assertTrue(legend.contains("cloud-a") && legend.contains("workstation"), legend);
    new Select(browser.byId("usage-metric")).selectByValue("requests");
    browser.await(ExpectedConditions.textToBePresentInElementLocated(By.id("usage-chart"), "Requests per"));
    browser.await(ExpectedConditions.textToBePresentInElementLocated(By.id("usage-totals"), "cloud-b"));
    String csv = browser.byId("usage-export").getAttribute("href");
    assertTrue(csv.contains("/api/v1/usage/export?from="), csv);
    // The exact cache's panel: this console node runs without one (no cache section in its config).
    browser.await(ExpectedConditions.textToBePresentInElementLocated(By.id("cache-stats"), "No exact cache on this node"));
    browser.screenshot(shots, "usage");
  }

  @Test
  @Order(7)
  void createUseAndRevokeAKey() throws Exception {
    tab("keys");
    browser.await(ExpectedConditions.visibilityOfElementLocated(By.id("key-name"))).sendKeys("team-a");
    browser.byId("key-daily").sendKeys("5");
    browser.byId("key-monthly").sendKeys("100");
    new Select(browser.byId("key-privacy")).selectByValue("zdr");
    browser.byId("key-create").click();
    confirm();
    String key = browser.await(ExpectedConditions.visibilityOfElementLocated(By.id("new-key-value"))).getText();
    secrets.add(key);
    assertTrue(key.startsWith("sb-"), key);
    WebElement row = browser.await(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-key]")));
    String id = row.getAttribute("data-key");
    assertTrue(row.getText().contains("team-a") && row.getText().contains("$5.00 / $100"), row.getText());
    HttpResponse<String> withKey = node.chat(ConsoleNode.chatBody(false), Map.of("authorization", "Bearer " + key));
    assertEquals(200, withKey.statusCode(), withKey.body());

    // edit its budget: the form opens filled with the key's limits; the change is confirmed, stored, shown, audited
    browser.driver.findElement(By.cssSelector("button[data-edit=" + id + "]")).click();
    WebElement daily = browser.await(ExpectedConditions.visibilityOfElementLocated(By.id("edit-daily")));
    assertEquals("5", daily.getDomProperty("value"));
    assertEquals("zdr", browser.byId("edit-privacy").getDomProperty("value"));
    daily.clear();
    daily.sendKeys("2.5");
    browser.byId("edit-monthly").clear(); // empty: no monthly budget any more
    browser.byId("key-save").click();
    assertTrue(browser.byId("confirm-text").getText().contains("\"daily_budget_usd\":2.5"), browser.byId("confirm-text").getText());
    confirm();
    browser.await(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("tr[data-key=" + id + "]"), "$2.50 / –"));
    browser.await(ExpectedConditions.invisibilityOfElementLocated(By.id("key-edit-form")));
    JsonObject limits = node.admin("GET", "/api/v1/keys/" + id, null).getJsonObject("key").getJsonObject("limits");
    assertEquals(2.5, limits.getDouble("daily_budget_usd"));
    assertNull(limits.getValue("monthly_budget_usd"));
    assertEquals("zdr", limits.getString("privacy"), "the limits the form left as they were stay");
    JsonArray audit = node.admin("GET", "/admin/api/audit", null).getJsonArray("entries");
    JsonObject entry = audit.stream().map(JsonObject.class::cast).filter(e -> e.getString("action").equals("PATCH /api/v1/keys/" + id))
      .findFirst().orElseThrow(() -> new AssertionError(audit.encodePrettily()));
    assertTrue(entry.getString("who").startsWith("alice (session "), entry.encode());
    assertEquals(2.5, entry.getJsonObject("detail").getJsonObject("limits").getDouble("daily_budget_usd"));
    assertEquals(200, node.chat(ConsoleNode.chatBody(false), Map.of("authorization", "Bearer " + key)).statusCode(),
      "still a live key");
    browser.screenshot(shots, "keys");

    browser.driver.findElement(By.cssSelector("button[data-revoke=" + id + "]")).click();
    confirm();
    browser.await(ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-revoked=" + id + "]")));
    HttpResponse<String> revoked = node.chat(ConsoleNode.chatBody(false), Map.of("authorization", "Bearer " + key));
    assertEquals(401, revoked.statusCode(), revoked.body());
    assertFalse(browser.driver.getPageSource().contains(ConsoleNode.ADMIN), "the admin token is nowhere in the page");
  }

  @Test
  @Order(8)
  void theCallsViewShowsALiveCallWithItsStageLatencies() throws Exception {
    tab("calls");
    browser.await(ExpectedConditions.textToBePresentInElementLocated(By.id("calls"), "No call in progress."));
    // The mode switch (GET/PUT /api/v1/voice/mode) shows the mode new calls start in, from this node's conf.
    WebElement mode = browser.await(ExpectedConditions.visibilityOfElementLocated(By.id("voice-mode-select")));
    assertEquals("pipeline", mode.getDomProperty("value"));
    assertEquals("pipeline", browser.driver.findElement(By.id("voice-fallback")).getDomProperty("value"));
    StreamCaller caller = StreamCaller.connect(vertx, node.port, 16_000, new JsonObject()).await(10, TimeUnit.SECONDS);
    WebElement row = browser.await(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#calls tr[data-call]")));
    assertTrue(row.getText().contains("stream") && row.getText().contains("pipeline"), row.getText());
    browser.await(ExpectedConditions.textToBePresentInElementLocated(By.id("calls-nodes"), "node-1: 1 of 100 calls open"));
    caller.say(Speech.at16k(Speech.FIRST));
    // the turn answered: its stage latencies (end of speech ... voice to voice) show in the row, refreshed by the page
    new WebDriverWait(browser.driver, Duration.ofSeconds(90)).until(ExpectedConditions.textMatches(By.cssSelector("#calls tr[data-call]"),
      Pattern.compile("(\\d+ ms\\s+){5}\\d+ ms"))); // Whisper, the chat and flite on a busy machine: more than the usual 20 s
    String id = browser.driver.findElement(By.cssSelector("#calls tr[data-call]")).getAttribute("data-call");
    assertTrue(id.startsWith("call_"), id);
    browser.screenshot(shots, "calls");
    caller.stop();
    caller.closed().await(10, TimeUnit.SECONDS);
    browser.await(ExpectedConditions.textToBePresentInElementLocated(By.id("calls"), "No call in progress."));
  }

  @Test
  @Order(9)
  void switchTheVoiceModeFromThePage() throws Exception {
    // the page is still on the calls view, where the last test left it
    browser.await(ExpectedConditions.visibilityOfElementLocated(By.id("voice-mode-select")));
    // A split of 70/30 applied from the page is what the admin API then answers ...
    WebElement pipeline = browser.driver.findElement(By.cssSelector("#voice-mode input[data-mode=pipeline]"));
    WebElement realtime = browser.driver.findElement(By.cssSelector("#voice-mode input[data-mode=realtime]"));
    pipeline.clear();
    pipeline.sendKeys("70");
    realtime.clear();
    realtime.sendKeys("30");
    assertEquals("", browser.byId("voice-mode-select").getDomProperty("value"), "a split has no single mode");
    browser.byId("voice-apply").click();
    confirm();
    browser.await(ExpectedConditions.stalenessOf(pipeline)); // redrawn from what the node answers after the change
    JsonObject split = node.admin("GET", "/api/v1/voice/mode", null);
    assertEquals(new JsonObject().put("pipeline", 70).put("realtime", 30), split.getJsonObject("modes"), split.encode());
    assertNull(split.getValue("mode"), split.encode());
    assertEquals("pipeline", split.getString("fallback_mode"));
    assertEquals("admin", split.getString("source"));
    // ... and so is a whole mode picked from the list (the split follows it)
    assertEquals("", browser.byId("voice-mode-select").getDomProperty("value"));
    assertEquals("30", browser.driver.findElement(By.cssSelector("#voice-mode input[data-mode=realtime]")).getDomProperty("value"));
    WebElement select = browser.byId("voice-mode-select");
    new Select(browser.byId("voice-mode-select")).selectByValue("realtime");
    assertEquals("100", browser.driver.findElement(By.cssSelector("#voice-mode input[data-mode=realtime]")).getDomProperty("value"));
    assertEquals("0", browser.driver.findElement(By.cssSelector("#voice-mode input[data-mode=pipeline]")).getDomProperty("value"));
    browser.byId("voice-apply").click();
    confirm();
    browser.await(ExpectedConditions.stalenessOf(select));
    JsonObject whole = node.admin("GET", "/api/v1/voice/mode", null);
    assertEquals("realtime", whole.getString("mode"), whole.encode());
    assertEquals(new JsonObject().put("pipeline", 0).put("realtime", 100), whole.getJsonObject("modes"));
    assertEquals("realtime", browser.byId("voice-mode-select").getDomProperty("value"));
  }

  @Test
  @Order(10)
  void aVoiceModeChangedBehindThePagesBackIsNotOverwritten() throws Exception {
    browser.await(ExpectedConditions.visibilityOfElementLocated(By.id("voice-mode-select")));
    JsonObject read = node.admin("GET", "/api/v1/voice/mode", null);
    assertEquals("realtime", read.getString("mode"), "the page shows what the last test applied: " + read.encode());
    // A change made behind the page's back (another operator, another router): the page's apply names the version its
    // form was drawn from, so it is refused (409) rather than overwriting that change, and the form redraws with it.
    JsonObject behind = node.admin("PUT", "/api/v1/voice/mode", new JsonObject().put("fallback_mode", "none"));
    assertEquals(read.getLong("version") + 1, behind.getLong("version"), behind.encode());
    WebElement stale = browser.byId("voice-fallback");
    assertEquals("pipeline", stale.getDomProperty("value"), "the page still shows what it read");
    new Select(browser.byId("voice-mode-select")).selectByValue("pipeline");
    expectedRefusals.add("/api/v1/voice/mode - Failed to load resource: the server responded with a status of 409");
    browser.byId("voice-apply").click();
    browser.await(ExpectedConditions.elementToBeClickable(By.id("confirm-ok"))).click();
    browser.await(ExpectedConditions.textToBePresentInElementLocated(By.id("toasts"), "is at version " + behind.getLong("version")));
    browser.await(ExpectedConditions.stalenessOf(stale));
    assertEquals("none", browser.byId("voice-fallback").getDomProperty("value"), "redrawn with the stored change");
    assertEquals("realtime", browser.byId("voice-mode-select").getDomProperty("value"));
    JsonObject after = node.admin("GET", "/api/v1/voice/mode", null);
    assertEquals(behind.getLong("version"), after.getLong("version"), "the stale change changed nothing: " + after.encode());
    assertEquals("realtime", after.getString("mode"), after.encode());
    assertNull(after.getValue("fallback_mode"), after.encode());
  }

  @Test
  @Order(11)
  void theAuditListHoldsEveryChangeAndNoSecret() throws Exception {
    tab("audit");
    WebElement list = browser.await(ExpectedConditions.visibilityOfElementLocated(By.id("audit-list")));
    for (String what : List.of("logged in", "backend cloud-a: disabled", "backend cloud-a: enabled", "routing: strategy → cost",
      "created key \"team-a\"", "changed limits of key", "revoked key", "voice mode: {\"modes\":{\"pipeline\":70,\"realtime\":30}")) {
      browser.await(ExpectedConditions.textToBePresentInElement(list, what));
    }
    browser.screenshot(shots, "audit");
    String audit = browser.driver.getPageSource();
    assertFalse(audit.contains(ConsoleNode.ADMIN) || ConsoleNode.ENV.values().stream().anyMatch(audit::contains),
      "neither the admin token nor an upstream key in the audit list");
  }

  @Test
  @Order(12)
  void anOpenBreakerShowsOnThePage() throws Exception {
    tab("backends");
    for (int i = 0; i < 6; i++) {
      b.enqueue(Behaviour.error(500, "boom"));
    }
    for (int i = 0; i < 3; i++) {
      node.chat(ConsoleNode.chatBody(false).put("provider", "cloud-b"), Map.of());
    }
    WebElement banner = browser.await(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("[data-breaker=cloud-b]")));
    assertTrue(banner.getText().startsWith("Breaker open: cloud-b"), banner.getText());
    browser.await(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-backend=cloud-b] [data-breaker-state=open]")));
    browser.screenshot(shots, "breaker-open");
  }

  @Test
  @Order(13)
  void noErrorInTheBrowsersConsole() {
    List<String> unexpected = new ArrayList<>();
    for (LogEntry e : browser.allLogs()) {
      if (e.getLevel().intValue() >= Level.WARNING.intValue()
        && expectedRefusals.stream().noneMatch(r -> e.getMessage().contains(r))) {
        unexpected.add(e.getLevel() + " " + e.getMessage());
      }
    }
    assertEquals(List.of(), unexpected, "console errors and warnings");
  }

  @Test
  @Order(15)
  void noSecretInTheNodesLog() {
    assertFalse(logLines.isEmpty(), "the node's log was read");
    for (String line : logLines) {
      for (String secret : secrets) {
        assertFalse(line.contains(secret), "a secret in the log: " + line);
      }
    }
  }

  @Test
  @Order(14)
  void aDrainingNodeShowsOnThePage() throws Exception {
    started.lifecycle().stop(null);
    WebElement banner = browser.await(ExpectedConditions.visibilityOfElementLocated(By.id("banner-draining")));
    assertTrue(banner.getText().startsWith("This node is draining"), banner.getText());
    browser.await(ExpectedConditions.textToBePresentInElementLocated(By.id("node-state"), "draining"));
    browser.screenshot(shots, "draining");
    for (LogEntry e : browser.newLogs()) {
      // once it has drained, the page's live feed finds the node gone: only that may fail
      assertTrue(e.getLevel().intValue() < Level.WARNING.intValue() || e.getMessage().contains("/admin/api/events"), e.getMessage());
    }
  }
}
