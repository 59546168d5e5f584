package io.switchboard.bench.cid;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.HazelcastInstance;
import io.switchboard.api.ArtifactRefs;
import io.switchboard.api.Capability;
import io.switchboard.api.Privacy;
import io.switchboard.bench.audio.Args;
import io.switchboard.core.cache.CacheAudience;
import io.switchboard.core.cache.CacheKey;
import io.switchboard.core.cache.CacheSettings;
import io.switchboard.core.cache.CachedAnswer;
import io.switchboard.core.cache.ExactCache;
import io.switchboard.core.cid.CidHasher;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.HdrHistogram.Histogram;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * What an exact-cache hit costs the router: {@link ExactCache#lookup} (map get, decoding, the deletion and privacy
 * checks) for three answers: a transcript (whole JSON), a chat stream (40 chunk messages) and a speech stream
 * (200 KB of audio in 10 parts). On one node (Vert.x's local map: {@code ./mesh run}), and across a cluster of two
 * nodes in this JVM over Hazelcast on loopback (entries stored by node A, looked up by node B, split by whether B or
 * A owns the key's partition). Lookups run one after the other on node B's event loop; each is timed there.
 *
 * <p>Usage: {@code CacheHitBench [--lookups 20000] [--keys 200]}
 */
public final class CacheHitBench {

  /** Defaults, but a lookup is never cut short: the bench measures what a lookup costs, slow ones included. */
  private static final CacheSettings SETTINGS = CacheSettings.from(new JsonObject().put("lookup_timeout_ms", 60_000));

  private CacheHitBench() {
  }

  public static void main(String[] args) throws Exception {
    int lookups = Integer.parseInt(Args.get(args, "--lookups", "20000"));
    int keys = Integer.parseInt(Args.get(args, "--keys", "200"));
    String load = Files.readString(Path.of("/proc/loadavg")).trim();

    Vertx single = Vertx.vertx();
    try {
      ExactCache cache = ExactCache.start(single, SETTINGS).await(30, TimeUnit.SECONDS);
      for (Kind kind : Kind.values()) {
        List<CacheKey> ks = fill(cache, kind, keys);
        print("single-node", kind, "local", measure(single, cache, ks, lookups), load);
      }
    } finally {
      single.close().await(30, TimeUnit.SECONDS);
    }

    String name = "switchboard-bench-" + UUID.randomUUID().toString().substring(0, 8);
    Vertx a = clustered(name).await(60, TimeUnit.SECONDS);
    Vertx b = clustered(name).await(60, TimeUnit.SECONDS);
    try {
      ExactCache onA = ExactCache.start(a, SETTINGS).await(30, TimeUnit.SECONDS);
      ExactCache onB = ExactCache.start(b, SETTINGS).await(30, TimeUnit.SECONDS);
      HazelcastInstance hz = ((HazelcastClusterManager) ((VertxInternal) b).clusterManager()).getHazelcastInstance();
      Predicate<CacheKey> ownedByB = k -> hz.getPartitionService().getPartition(k.id()).getOwner().localMember();
      for (Kind kind : Kind.values()) {
        List<CacheKey> ks = fill(onA, kind, keys);
        List<CacheKey> local = ks.stream().filter(ownedByB).toList();
        List<CacheKey> remote = ks.stream().filter(ownedByB.negate()).toList();
        print("cluster-2-nodes", kind, "owned-by-the-reader", measure(b, onB, local, lookups), load);
        print("cluster-2-nodes", kind, "owned-by-the-other-node", measure(b, onB, remote, lookups), load);
      }
    } finally {
      Future.join(a.close(), b.close()).await(60, TimeUnit.SECONDS);
    }
  }

  enum Kind { TRANSCRIPT, CHAT_STREAM, SPEECH_STREAM }

  private static List<CacheKey> fill(ExactCache cache, Kind kind, int n) throws Exception {
    List<CacheKey> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Capability cap = kind == Kind.TRANSCRIPT ? Capability.TRANSCRIBE : kind == Kind.CHAT_STREAM ? Capability.CHAT : Capability.SPEECH;
      CacheKey k = new CacheKey(cap, CidHasher.of((kind + "-" + i).getBytes()), ArtifactRefs.NONE);
      cache.store(k, answer(kind, cap)).await(30, TimeUnit.SECONDS);
      out.add(k);
    }
    return out;
  }

  private static CachedAnswer answer(Kind kind, Capability cap) {
    CachedAnswer.Origin origin = new CachedAnswer.Origin(cap, "openai", Privacy.CLOUD, "m", 0.001, new JsonObject().put("total_tokens", 100),
      ArtifactRefs.NONE, System.currentTimeMillis());
    return switch (kind) {
      case TRANSCRIPT -> {
        JsonArray segments = new JsonArray();
        for (int s = 0; s < 10; s++) {
          segments.add(new JsonObject().put("id", s).put("start", s * 3.0).put("end", s * 3.0 + 3).put("text", "words ".repeat(20)));
        }
        yield CachedAnswer.whole(origin, new JsonObject().put("text", "words ".repeat(200)).put("language", "en").put("duration", 30.0)
          .put("segments", segments));
      }
      case CHAT_STREAM -> {
        List<Object> parts = new ArrayList<>();
        for (int c = 0; c < 40; c++) {
          parts.add(new JsonObject().put("chunks", new JsonArray().add(new JsonObject().put("id", "chatcmpl-1").put("object", "chat.completion.chunk")
            .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", new JsonObject().put("content", " token")))))));
        }
        yield CachedAnswer.stream(origin, null, parts, new JsonObject().put("chunks", new JsonArray()).put("usage", new JsonObject()));
      }
      case SPEECH_STREAM -> {
        List<Object> parts = new ArrayList<>();
        for (int p = 0; p < 10; p++) {
          parts.add(Buffer.buffer(new byte[20_000]));
        }
        yield CachedAnswer.stream(origin, new JsonObject().put("content-type", "audio/mpeg"), parts,
          new JsonObject().put("characters", 300).put("audio", Buffer.buffer()));
      }
    };
  }

  /** {@code lookups} hits one after the other on {@code vertx}'s event loop, each timed there. */
  private static Histogram measure(Vertx vertx, ExactCache cache, List<CacheKey> keys, int lookups) throws Exception {
    Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
    CacheAudience audience = CacheAudience.anyone(Privacy.CLOUD, "m", null);
    Promise<Void> done = Promise.promise();
    int warmup = Math.min(2000, lookups);
    vertx.runOnContext(v -> next(cache, keys, audience, h, 0, lookups + warmup, warmup, done));
    done.future().await(600, TimeUnit.SECONDS);
    return h;
  }

  private static void next(ExactCache cache, List<CacheKey> keys, CacheAudience audience, Histogram h, int i, int total, int warmup,
                           Promise<Void> done) {
    if (i == total) {
      done.complete();
      return;
    }
    long t0 = System.nanoTime();
    cache.lookup(keys.get(i % keys.size()), audience).onComplete(ar -> {
      long t = System.nanoTime() - t0;
      if (ar.failed() || ar.result() == null) {
        done.tryFail(new IllegalStateException("lookup " + i + " was not a hit"));
        return;
      }
      if (i >= warmup) {
        h.recordValue(t);
      }
      // A local map answers at once: the next lookup goes through the event loop's queue, not deeper into this stack.
      Vertx.currentContext().runOnContext(v -> next(cache, keys, audience, h, i + 1, total, warmup, done));
    });
  }

  private static void print(String mode, Kind kind, String owner, Histogram h, String load) {
    System.out.println(new JsonObject()
      .put("mode", mode).put("answer", kind.name().toLowerCase()).put("partition", owner)
      .put("lookups", h.getTotalCount())
      .put("p50_us", h.getValueAtPercentile(50) / 1000.0)
      .put("p90_us", h.getValueAtPercentile(90) / 1000.0)
      .put("p99_us", h.getValueAtPercentile(99) / 1000.0)
      .put("load_average", load)
      .encode());
  }

  private static Future<Vertx> clustered(String clusterName) {
    System.setProperty("hazelcast.local.localAddress", "127.0.0.1");
    Config hz = new Config().setClusterName(clusterName);
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.logging.type", "jdk");
    hz.setProperty("hazelcast.wait.seconds.before.join", "0");
    hz.getNetworkConfig().setPort(18560).setPortAutoIncrement(true).setPortCount(10);
    JoinConfig join = hz.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true);
    for (int port = 18560; port < 18570; port++) {
      join.getTcpIpConfig().addMember("127.0.0.1:" + port);
    }
    return Vertx.builder()
      .with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setClusterPublicHost("127.0.0.1").setPort(0)))
      .withClusterManager(new HazelcastClusterManager(hz))
      .buildClustered();
  }
}
