package io.switchboard.app.http;

import com.hazelcast.map.IMap;
import com.hazelcast.map.MapInterceptor;
import io.switchboard.app.MeshNode;
import io.switchboard.app.NodeOptions;
import io.switchboard.core.cache.ExactCache;
import io.switchboard.core.testkit.OnContext;
import io.switchboard.core.testkit.TestAudio;
import io.switchboard.core.testkit.TestCluster;
import io.switchboard.core.testkit.speech.FakeTranscriptionApi;
import io.switchboard.router.Eventually;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cache.lookup_timeout_ms}: a cache lookup slower than it is a miss, not an error, and the request goes to the
 * backend. The node is clustered (Hazelcast on loopback, a cluster of its own), so its cache is Hazelcast's map; the
 * map is made slow for real with a Hazelcast interceptor that holds each read of it for longer than the timeout.
 */
class CacheLookupTimeoutTest {

  /** How long the next read of the cache's map is held: 0 = not at all. Static: Hazelcast runs a copy of the interceptor. */
  static final AtomicLong READ_DELAY_MS = new AtomicLong();
  /** Reads held and let go. */
  static final AtomicInteger HELD = new AtomicInteger();
  static final long TIMEOUT_MS = 300;

  /** Holds the next read of the map it is on for {@link #READ_DELAY_MS}, once (on Hazelcast's partition thread). */
  static final class SlowReads implements MapInterceptor {
    @Override
    public Object interceptGet(Object value) {
      long delay = READ_DELAY_MS.getAndSet(0);
      if (delay > 0) {
        try {
          Thread.sleep(delay);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        HELD.incrementAndGet();
      }
      return value;
    }

    @Override
    public void afterGet(Object value) {
    }

    @Override
    public Object interceptPut(Object oldValue, Object newValue) {
      return newValue;
    }

    @Override
    public void afterPut(Object value) {
    }

    @Override
    public Object interceptRemove(Object removedValue) {
      return removedValue;
    }

    @Override
    public void afterRemove(Object oldValue) {
    }
  }

  @Test
  void aLookupSlowerThanTheTimeoutIsAMissAndTheBackendAnswers(@TempDir Path dir) throws Exception {
    Vertx vertx = new TestCluster().join();
    FakeTranscriptionApi asr = FakeTranscriptionApi.start(vertx).reply(ctx -> ctx.json(new JsonObject().put("language", "english")
      .put("duration", 3.0).put("text", "from the backend").put("segments", new JsonArray())));
    try {
      JsonObject config = new JsonObject()
        .put("router", new JsonObject().put("heartbeat_timeout_ms", 15_000).put("health_timeout_ms", 20_000))
        .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"))
        .put("backend_defaults", new JsonObject().put("heartbeat_ms", 500))
        .put("usage", new JsonObject().put("data_dir", dir.resolve("usage").toString()))
        .put("cache", new JsonObject().put("lookup_timeout_ms", TIMEOUT_MS))
        .put("backends", new JsonArray().add(new JsonObject().put("id", "cloud-asr").put("type", "openai-transcription")
          .put("base_url", asr.url("/v1")).put("privacy", "cloud").put("models", new JsonArray().add("whisper-1"))));
      NodeOptions options = new NodeOptions("all", Set.of(), true, Path.of("conf"), null, Map.of("OPENAI_API_KEY", "sk-test-0123456789"), false);
      MeshNode.Started started = MeshNode.deploy(vertx, options, config).await(60, TimeUnit.SECONDS);
      WebClient client = WebClient.create(vertx);
      Context context = vertx.getOrCreateContext();
      int port = started.httpPort();
      Eventually.until(vertx, "a live backend", 20_000,
        () -> OnContext.start(context, () -> client.get(port, "127.0.0.1", "/health/ready").send()).map(HttpResponse::bodyAsJsonObject),
        ready -> ready.getInteger("live_backends", 0) >= 1).await(30, TimeUnit.SECONDS);
      Buffer wav = TestAudio.wav(3, 16_000);
      Multipart form = new Multipart().field("model", "whisper-1").field("privacy", "cloud").file("file", "call.wav", "audio/wav", wav);

      assertEquals("miss", transcribe(client, context, port, form).getHeader("x-switchboard-cache"));
      assertNotNull(asr.next());
      AsyncMap<String, Buffer> entries = vertx.sharedData().<String, Buffer>getAsyncMap(ExactCache.ENTRIES_MAP).await(10, TimeUnit.SECONDS);
      Eventually.until(vertx, "the answer in the cache", 10_000, entries::size, n -> n == 1).await(20, TimeUnit.SECONDS);

      IMap<Object, Object> map = ((HazelcastClusterManager) ((VertxInternal) vertx).clusterManager()).getHazelcastInstance()
        .getMap(ExactCache.ENTRIES_MAP);
      map.addInterceptor(new SlowReads());
      READ_DELAY_MS.set(10 * TIMEOUT_MS);
      long t0 = System.nanoTime();
      HttpResponse<Buffer> slow = transcribe(client, context, port, form);
      long tookMs = (System.nanoTime() - t0) / 1_000_000;
      assertEquals("miss", slow.getHeader("x-switchboard-cache"), "a lookup slower than lookup_timeout_ms is a miss");
      assertEquals("from the backend", slow.bodyAsJsonObject().getString("text"));
      assertNotNull(asr.next(), "the backend answered it");
      assertTrue(tookMs < 10 * TIMEOUT_MS, "the request did not wait for the slow read: " + tookMs + " ms");

      // Once the held read is let go (Hazelcast's partition thread free again), the entry is there: a hit, no backend call.
      Eventually.until(vertx, "the held read let go", 20_000, () -> HELD.get() == 1).await(30, TimeUnit.SECONDS);
      assertEquals("hit", transcribe(client, context, port, form).getHeader("x-switchboard-cache"));
      assertTrue(asr.sawNothing());
    } finally {
      READ_DELAY_MS.set(0);
      asr.close();
      vertx.close().await(60, TimeUnit.SECONDS);
    }
  }

  private static HttpResponse<Buffer> transcribe(WebClient client, Context context, int port, Multipart form) throws Exception {
    HttpResponse<Buffer> res = OnContext.start(context, () -> client.post(port, "127.0.0.1", "/v1/audio/transcriptions")
      .putHeader("content-type", form.contentType()).sendBuffer(form.body())).await(30, TimeUnit.SECONDS);
    assertEquals(200, res.statusCode(), res.bodyAsString());
    return res;
  }
}
