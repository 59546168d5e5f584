package io.switchboard.app.console;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's Prometheus, run as a plain process (not the packaged service) on a loopback port with a temporary
 * configuration and data folder: it scrapes one target every second and evaluates the given rule files as often.
 */
final class Prometheus implements AutoCloseable {

  static final Path BINARY = Path.of("/usr/bin/prometheus");
  static final Path PROMTOOL = Path.of("/usr/bin/promtool");
  static final String INSTALL = "apt-get install -y prometheus";

  private final Process process;
  private final int port;
  private final HttpClient http = HttpClient.newHttpClient();
  final Path log;

  private Prometheus(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  static void requireInstalled() {
    if (!Files.isExecutable(BINARY) || !Files.isExecutable(PROMTOOL)) {
      fail("the dashboard test needs Debian's Prometheus (" + BINARY + ", " + PROMTOOL + "): " + INSTALL);
    }
  }

  /** Starts Prometheus scraping {@code target} ({@code host:port}, path /metrics) with {@code rules}. */
  static Prometheus start(Path dir, String target, Path rules) throws IOException {
    requireInstalled();
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, """
      global:
        scrape_interval: 1s
        evaluation_interval: 1s
      rule_files:
        - %s
      scrape_configs:
        - job_name: switchboard
          metrics_path: /metrics
          static_configs:
            - targets: ["%s"]
      """.formatted(rules.toAbsolutePath(), target));
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path log = dir.resolve("prometheus.log");
    Process p = new ProcessBuilder(BINARY.toString(), "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
      "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
      .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new Prometheus(p, port, log);
  }

  /** {@code GET /api/v1/<path>}: the answer's JSON; null while Prometheus is not up (or not ready: 503, plain text). */
  JsonObject api(String path) throws InterruptedException {
    try {
      HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/" + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      if (res.statusCode() == 503) {
        return null; // "Service Unavailable" while its storage starts (slow on a busy machine)
      }
      return new JsonObject(res.body());
    } catch (IOException e) {
      if (!process.isAlive()) {
        fail("prometheus exited: " + readLog());
      }
      return null;
    }
  }

  /** An instant query: the answer's JSON ({@code status}, {@code data.result}, or {@code error}). */
  JsonObject query(String promQl) throws InterruptedException {
    return api("query?query=" + URLEncoder.encode(promQl, StandardCharsets.UTF_8));
  }

  String readLog() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Runs promtool with {@code args}; returns its exit code and output. */
  static ProcessResult promtool(List<String> args) throws IOException, InterruptedException {
    requireInstalled();
    List<String> command = new java.util.ArrayList<>(List.of(PROMTOOL.toString()));
    command.addAll(args);
    Process p = new ProcessBuilder(command)
      .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new ProcessResult(p.waitFor(), out);
  }

  record ProcessResult(int exit, String output) {
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
