package io.switchboard.app;

import io.switchboard.core.backend.BackendDeployer;
import io.vertx.core.json.JsonObject;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The command line: {@code run} starts a node; {@code models} installs and lists local models. The {@code mesh}
 * script at the repository root builds the project and calls this with the right JVM flags.
 */
public final class Main {

  private static final String USAGE = """
    usage: mesh run [--role all|router|backend|voice] [--backends id,id] [--cluster] [--conf FILE]
           mesh models list
           mesh models pull NAME        (whisper-tiny.en, silero-vad, or a Hugging Face id for Jlama)
    """;

  private Main() {
  }

  public static void main(String[] args) throws Exception {
    Deque<String> a = new ArrayDeque<>(Arrays.asList(args));
    String command = a.isEmpty() ? "run" : a.poll();
    int code = switch (command) {
      case "run" -> run(a);
      case "models" -> ModelsCommand.run(a, System.out);
      case "help", "--help", "-h" -> {
        System.out.print(USAGE);
        yield 0;
      }
      default -> {
        System.err.print("unknown command '" + command + "'\n" + USAGE);
        yield 2;
      }
    };
    if (code != 0 || !command.equals("run")) {
      System.exit(code);
    }
  }

  static Path confDir() {
    return Path.of(System.getProperty("switchboard.conf.dir", "conf"));
  }

  private static int run(Deque<String> a) throws InterruptedException {
    String role = "all";
    Set<String> backends = new LinkedHashSet<>();
    boolean cluster = false;
    Path operator = envPath("SWITCHBOARD_CONFIG", "switchboard.config");
    while (!a.isEmpty()) {
      String arg = a.poll();
      switch (arg) {
        case "--role" -> role = required(a, arg);
        case "--backends" -> backends.addAll(Arrays.asList(required(a, arg).split(",")));
        case "--cluster" -> cluster = true;
        case "--conf" -> operator = Path.of(required(a, arg));
        default -> {
          System.err.print("unknown option '" + arg + "'\n" + USAGE);
          return 2;
        }
      }
    }
    if (operator != null && !Files.isReadable(operator)) {
      System.err.println("configuration file not readable: " + operator);
      return 2;
    }
    // Prometheus metrics are on unless SWITCHBOARD_METRICS=false (they cost a little on every request and bus message).
    boolean metrics = !"false".equalsIgnoreCase(System.getenv().getOrDefault("SWITCHBOARD_METRICS", "true"));
    long heapReturnMs;
    try {
      heapReturnMs = HeapReturn.periodMs(System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    NodeOptions options = new NodeOptions(role, backends, cluster, confDir(), operator, System.getenv(), metrics);
    MeshNode.Started started;
    try {
      started = MeshNode.start(options, config -> ModelsCommand.pullMissingDefaults(config, System.out)).await(10, TimeUnit.MINUTES);
    } catch (Exception e) {
      System.err.println("Switchboard failed to start: " + e.getMessage());
      return 1;
    }
    report(started, options, System.out);
    HeapReturn.start(started.vertx(), heapReturnMs);
    NodeLifecycle lifecycle = started.lifecycle();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      // SIGTERM: stop in order (HTTP drains, backends leave and drain, then the cluster is left), within the drains.
      try {
        lifecycle.stop(System.out).await(lifecycle.stopTimeoutMs(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        System.out.println("stopping: not finished in time (" + e.getMessage() + "); exiting anyway");
      }
    }, "switchboard-shutdown"));
    return 0;
  }

  static void report(MeshNode.Started started, NodeOptions options, PrintStream out) {
    StringBuilder sb = new StringBuilder();
    sb.append("Switchboard node up (role ").append(options.role()).append(options.cluster() ? ", clustered" : "").append(")\n");
    JsonObject tls = started.config().getJsonObject("http", new JsonObject()).getJsonObject("tls");
    String scheme = tls != null && tls.getBoolean("enabled", true) ? "https" : "http";
    if (started.httpPort() > 0 && options.runsRouter()) {
      sb.append("  HTTP API: ").append(scheme).append("://127.0.0.1:").append(started.httpPort()).append("/v1  (health: /health/ready, metrics: /metrics)\n");
    } else if (started.httpPort() > 0) {
      sb.append("  HTTP: http://127.0.0.1:").append(started.httpPort()).append("  (health: /health/ready, metrics: /metrics)\n");
    }
    if (started.httpPort() > 0 && started.calls()) {
      sb.append("  voice calls: ").append(scheme.equals("https") ? "wss" : "ws").append("://127.0.0.1:").append(started.httpPort()).append("/v1/voice/twilio and /v1/voice/stream\n");
    }
    sb.append("  backends:\n");
    for (BackendDeployer.Outcome o : started.backends()) {
      sb.append(String.format("    %s %-16s %-20s %s%n", o.started() ? "up  " : "off ", o.id(), o.type(), o.started() ? "" : o.reason()));
    }
    if (started.healthPort() > 0) {
      sb.append("  health: http://127.0.0.1:").append(started.healthPort()).append("/health/ready\n");
    }
    if (started.backends().isEmpty()) {
      sb.append("    (none in this node)\n");
    }
    out.print(sb);
    out.flush();
  }

  private static String required(Deque<String> a, String option) {
    String v = a.poll();
    if (v == null) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return v;
  }

  private static Path envPath(String env, String prop) {
    String v = System.getProperty(prop, System.getenv(env));
    return v == null || v.isBlank() ? null : Path.of(v);
  }
}
