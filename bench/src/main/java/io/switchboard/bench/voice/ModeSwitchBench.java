package io.switchboard.bench.voice;

import io.switchboard.bench.audio.Args;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How long a voice mode switch takes to reach every node of a cluster: {@code PUT /api/v1/voice/mode} on the first
 * node (alternately realtime and pipeline, {@code --rounds} times), then each node's {@code /metrics} polled every
 * {@code --poll-ms} until its {@code switchboard_voice_mode_weight} shows the new mode. Prints one JSON line: per round
 * the time from sending the PUT to the last node applying it, and its p50 and max (an upper bound: the poll interval
 * and a scrape are included).
 *
 * <p>Usage: {@code ModeSwitchBench --ports 19010,19011,19012 --admin-token T [--rounds 10] [--poll-ms 5]}
 */
public final class ModeSwitchBench {

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
    .connectTimeout(Duration.ofSeconds(5)).build();

  private ModeSwitchBench() {
  }

  public static void main(String[] args) throws Exception {
    int[] ports = Arrays.stream(Args.get(args, "--ports", "19010,19011,19012").split(",")).mapToInt(Integer::parseInt).toArray();
    String token = Args.get(args, "--admin-token", "bench-admin");
    int rounds = Integer.parseInt(Args.get(args, "--rounds", "10"));
    long pollMs = Long.parseLong(Args.get(args, "--poll-ms", "5"));
    List<Double> all = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      String mode = r % 2 == 0 ? "realtime" : "pipeline";
      long t0 = System.nanoTime();
      HttpResponse<String> put = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[0] + "/api/v1/voice/mode"))
        .header("authorization", "Bearer " + token).header("content-type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(new JsonObject().put("mode", mode).encode())).build(), HttpResponse.BodyHandlers.ofString());
      if (put.statusCode() != 200) {
        throw new IllegalStateException("PUT answered " + put.statusCode() + ": " + put.body());
      }
      double last = 0;
      for (int port : ports) {
        while (weight(port, mode) != 100) {
          if (System.nanoTime() - t0 > 30_000_000_000L) {
            throw new IllegalStateException("node on " + port + " did not apply mode " + mode + " within 30 s");
          }
          Thread.sleep(pollMs);
        }
        last = Math.max(last, (System.nanoTime() - t0) / 1e6);
      }
      all.add(Math.round(last * 10) / 10.0);
      Thread.sleep(200);
    }
    List<Double> sorted = new ArrayList<>(all);
    sorted.sort(Double::compare);
    System.out.println(new JsonObject().put("bench", "voice-mode-switch").put("nodes", ports.length).put("rounds", rounds)
      .put("poll_ms", pollMs).put("applied_all_ms", new JsonArray(all)).put("p50_ms", sorted.get(sorted.size() / 2))
      .put("max_ms", sorted.get(sorted.size() - 1)).put("load_average", Files.readString(Path.of("/proc/loadavg")).trim()).encode());
  }

  private static int weight(int port, String mode) throws Exception {
    String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
      HttpResponse.BodyHandlers.ofString()).body();
    String prefix = "switchboard_voice_mode_weight{mode=\"" + mode + "\"";
    return body.lines().filter(l -> l.startsWith(prefix)).mapToInt(l -> (int) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
      .findFirst().orElse(-1);
  }
}
