package io.switchboard.app.http;

import io.switchboard.app.MeshNode;
import io.switchboard.app.NodeOptions;
import io.switchboard.core.cache.ExactCache;
import io.switchboard.core.testkit.ClusterPair;
import io.switchboard.core.testkit.OnContext;
import io.switchboard.core.testkit.TestAudio;
import io.switchboard.core.testkit.speech.FakeTranscriptionApi;
import io.switchboard.router.Eventually;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exact cache across a two-node cluster (two clustered Vert.x in this JVM, each a whole node with its own file
 * store and ledger, the same cloud speech-to-text fake behind both): an answer stored by one node is a hit on the
 * other, and deleting the upload on the second node removes the entry the first one wrote, so the next request
 * anywhere goes to the backend again.
 */
class ArtifactDeletionClusterTest {

  static ClusterPair cluster;
  static FakeTranscriptionApi asr;
  static Node a;
  static Node b;

  record Node(Vertx vertx, int port, WebClient client, Context context) {
    HttpResponse<Buffer> transcribe(Buffer audio) throws Exception {
      Multipart form = new Multipart().field("model", "whisper-1").field("privacy", "cloud").file("file", "call.wav", "audio/wav", audio);
      HttpResponse<Buffer> res = OnContext.start(context, () -> client.post(port, "127.0.0.1", "/v1/audio/transcriptions")
        .putHeader("content-type", form.contentType()).sendBuffer(form.body())).await(30, TimeUnit.SECONDS);
      assertEquals(200, res.statusCode(), res.bodyAsString());
      return res;
    }

    HttpResponse<Buffer> delete(String cid) throws Exception {
      return OnContext.start(context, () -> client.delete(port, "127.0.0.1", "/v1/artifacts/" + cid).send()).await(30, TimeUnit.SECONDS);
    }
  }

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    cluster = ClusterPair.start();
    asr = FakeTranscriptionApi.start(cluster.a).reply(ctx -> ctx.json(new JsonObject().put("language", "english")
      .put("duration", 12.0).put("text", "kept once, shared by both").put("segments", new JsonArray())));
    a = node(cluster.a, dir.resolve("a"), true);
    b = node(cluster.b, dir.resolve("b"), false); // one ledger per cluster: b's router records through a's
  }

  private static Node node(Vertx vertx, Path dir, boolean localLedger) throws Exception {
    Files.createDirectories(dir);
    JsonObject config = new JsonObject()
      // A shared test machine can be slow to answer a probe: that is not what this test is about.
      .put("router", new JsonObject().put("heartbeat_timeout_ms", 15_000).put("health_timeout_ms", 20_000))
      .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"))
      .put("backend_defaults", new JsonObject().put("heartbeat_ms", 500))
      .put("usage", new JsonObject().put("data_dir", dir.resolve("usage").toString()).put("local_ledger", localLedger))
      .put("artifacts", new JsonObject().put("keep", new JsonArray().add("audio_in")).put("store", "file")
        .put("data_dir", dir.resolve("artifacts").toString()))
      // A lookup slower than lookup_timeout_ms (100 ms) is a miss by design; a loaded test machine can be that slow
      // to answer across the cluster, and the timeout is not what this test is about.
      .put("cache", new JsonObject().put("lookup_timeout_ms", 30_000))
      .put("backends", new JsonArray().add(new JsonObject().put("id", "cloud-asr").put("type", "openai-transcription")
        .put("base_url", asr.url("/v1")).put("privacy", "cloud").put("models", new JsonArray().add("whisper-1"))));
    NodeOptions options = new NodeOptions("all", Set.of(), true, Path.of("conf"), null, Map.of("OPENAI_API_KEY", "sk-test-0123456789"), false);
    MeshNode.Started started = MeshNode.deploy(vertx, options, config).await(60, TimeUnit.SECONDS);
    Node node = new Node(vertx, started.httpPort(), WebClient.create(vertx), vertx.getOrCreateContext());
    Eventually.until(vertx, "a live backend", 20_000,
      () -> OnContext.start(node.context(), () -> node.client().get(node.port(), "127.0.0.1", "/health/ready").send())
        .map(HttpResponse::bodyAsJsonObject),
      ready -> ready.getInteger("live_backends", 0) >= 1).await(30, TimeUnit.SECONDS);
    return node;
  }

  @AfterAll
  static void stop() throws Exception {
    if (asr != null) {
      asr.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aHitOnAnyNodeAndADeletionOnOneDropsTheEntryEverywhere() throws Exception {
    Buffer wav = TestAudio.wav(3, 16_000);
    HttpResponse<Buffer> first = a.transcribe(wav);
    assertEquals("miss", first.getHeader("x-switchboard-cache"));
    asr.next();
    // The answer goes out before its entry is in the shared map: wait for it, as a later request would.
    AsyncMap<String, Buffer> entries = cluster.b.sharedData().<String, Buffer>getAsyncMap(ExactCache.ENTRIES_MAP).await(10, TimeUnit.SECONDS);
    Eventually.until(cluster.b, "node A's entry in the shared map", 10_000, entries::size, n -> n == 1).await(20, TimeUnit.SECONDS);

    HttpResponse<Buffer> onB = b.transcribe(wav);
    assertEquals("hit", onB.getHeader("x-switchboard-cache"), "node A's answer, served by node B");
    assertTrue(asr.sawNothing());
    String cid = ExactCacheHttpTest.artifacts(onB.getHeader("x-switchboard-artifacts")).get("audio_in");

    assertEquals(204, b.delete(cid).statusCode());
    Eventually.until(cluster.b, "node A removed the entry it wrote", 10_000, entries::size, n -> n == 0).await(20, TimeUnit.SECONDS);

    assertEquals("miss", a.transcribe(wav).getHeader("x-switchboard-cache"), "gone on node A, which wrote it");
    asr.next();
    Eventually.until(cluster.b, "node A's new entry", 10_000, entries::size, n -> n == 1).await(20, TimeUnit.SECONDS);
    assertEquals("hit", b.transcribe(wav).getHeader("x-switchboard-cache"), "the new answer is shared again");
    assertTrue(asr.sawNothing());
  }
}
