package io.switchboard.app;

import io.switchboard.api.Addresses;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.router.Eventually;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A loopback cluster of its own for one test class: a unique cluster name and Hazelcast port range (so parallel
 * test runs on one machine never join each other), node configuration files, and members inside the test JVM that
 * read the routers' registry view over the bus.
 */
final class TestCluster {

  final String name = "switchboard-test-" + UUID.randomUUID().toString().substring(0, 8);
  /**
   * Below Linux's ephemeral range (32768-60999): a member list there can name a port that a test's own server or client
   * socket took from the kernel, and a joining node then waits on a peer that is not Hazelcast.
   */
  final int basePort = 21_000 + ThreadLocalRandom.current().nextInt(230) * 50;
  final Path dir;

  TestCluster(Path dir) throws IOException {
    this.dir = dir;
    Files.createDirectories(dir);
  }

  /** The environment that puts a node in this cluster. */
  Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("SWITCHBOARD_CLUSTER_NAME", name);
    env.put("SWITCHBOARD_CLUSTER_HOST", "127.0.0.1");
    env.put("SWITCHBOARD_CLUSTER_PORT", Integer.toString(basePort));
    env.put("SWITCHBOARD_CLUSTER_MEMBERS", IntStream.range(basePort, basePort + 10)
      .mapToObj(p -> "127.0.0.1:" + p).collect(Collectors.joining(",")));
    return env;
  }

  /** Writes an operator file (JSON is YAML) and returns its path. */
  Path conf(String file, JsonObject conf) throws IOException {
    Path p = dir.resolve(file);
    Files.writeString(p, conf.encodePrettily());
    return p;
  }

  /**
   * Starts a node JVM in this cluster: {@code --role role --cluster --conf conf}, and {@code --backends backends}
   * unless null, with this cluster's environment plus {@code extraEnv}.
   */
  MeshProcess node(String name, String role, String backends, Path conf, Map<String, String> extraEnv) throws IOException {
    List<String> args = new ArrayList<>(List.of("--role", role, "--cluster", "--conf", conf.toString()));
    if (backends != null) {
      args.addAll(List.of("--backends", backends));
    }
    Map<String, String> env = env();
    env.putAll(extraEnv);
    return MeshProcess.start(name, args, env);
  }

  /** Stops a test's node JVMs, then its in-JVM members (nulls skipped) and its own Vert.x (may be null). */
  static void stop(Collection<MeshProcess> nodes, Vertx vertx, Vertx... members) throws Exception {
    for (MeshProcess p : nodes) {
      p.close();
    }
    for (Vertx m : members) {
      if (m != null) {
        m.close().await(30, TimeUnit.SECONDS);
      }
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** A member in this JVM with no verticles, built like a node's Vert.x; {@code extraEnv} may add TLS settings. */
  Vertx member(Map<String, String> extraEnv) throws Exception {
    Map<String, String> env = env();
    env.putAll(extraEnv);
    NodeOptions options = new NodeOptions("backend", Set.of(), true, MeshProcess.projectDir().resolve("conf"), null, env, false);
    Vertx vertx = ClusterSupport.clusteredVertx(new VertxOptions(), NodeTransport.choose(env), options).await(60, TimeUnit.SECONDS);
    MeshExceptionCodec.register(vertx);
    return vertx;
  }

  /** The live instances of each backend in a router's registry view ({@code switchboard.registry.view}). */
  static Map<String, Integer> instances(Vertx member) {
    return instancesNow(member).await();
  }

  private static Future<Map<String, Integer>> instancesNow(Vertx member) {
    return member.eventBus().<JsonObject>request(Addresses.REGISTRY_VIEW, new JsonObject(), new DeliveryOptions().setSendTimeout(3000))
      .map(reply -> {
        Map<String, Integer> out = new HashMap<>();
        for (Object o : reply.body().getJsonArray("backends", new JsonArray())) {
          JsonObject b = (JsonObject) o;
          out.put(b.getString("id"), b.getInteger("instances", 0));
        }
        return out;
      });
  }

  /**
   * Reads the registry view until {@code backend} has {@code count} instances (a view nobody answers, a router starting
   * or the one asked just dead, is asked again); returns when it saw it.
   */
  static long awaitInstances(Vertx member, String backend, int count, long timeoutMs) throws Exception {
    Eventually.until(member, backend + " with " + count + " instance(s)", timeoutMs, () -> instancesNow(member),
      view -> view.getOrDefault(backend, 0) == count).await(timeoutMs + 5000, TimeUnit.MILLISECONDS);
    return System.currentTimeMillis();
  }

  /**
   * Polls a router's {@code /health/ready} (in another process: nothing calls the test back) until it answers 200 with
   * at least {@code liveBackends} live backends, within {@code timeoutMs}; fails with the last answer seen.
   */
  static void awaitReady(HttpClient http, int port, int liveBackends, long timeoutMs) throws Exception {
    long end = System.currentTimeMillis() + timeoutMs;
    String last = "";
    while (System.currentTimeMillis() < end) {
      try {
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build(),
          HttpResponse.BodyHandlers.ofString());
        last = res.body();
        if (res.statusCode() == 200 && (liveBackends == 0 || new JsonObject(res.body()).getInteger("live_backends", 0) >= liveBackends)) {
          return;
        }
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(100);
    }
    throw new AssertionError("router on " + port + " never ready: " + last);
  }
}
