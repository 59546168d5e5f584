package io.switchboard.core.cache;

import io.switchboard.api.ArtifactKind;
import io.switchboard.api.ArtifactRefs;
import io.switchboard.api.Capability;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.api.Privacy;
import io.switchboard.api.StreamProtocol;
import io.switchboard.core.artifact.ArtifactDeletions;
import io.switchboard.core.artifact.ArtifactStore;
import io.switchboard.core.artifact.ArtifactTag;
import io.switchboard.core.artifact.FileArtifactStore;
import io.switchboard.core.cid.Cid;
import io.switchboard.core.stream.BusStreams;
import io.switchboard.core.testkit.ClusterPair;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Two clustered nodes (Hazelcast, loopback, a cluster of their own): an answer one node keeps is a hit on the other,
 * a streamed one replays across the cluster, and deleting the upload on either node removes the entry everywhere.
 */
class ExactCacheClusterTest {

  @TempDir
  Path dir;

  @Test
  void aHitFromTheOtherNodeAndADeletionSeenByBoth() throws Exception {
    try (ClusterPair cluster = ClusterPair.start()) {
      MeshExceptionCodec.register(cluster.a);
      MeshExceptionCodec.register(cluster.b);
      // A lookup slower than lookup_timeout_ms (100 ms) is a miss by design; a loaded test machine can be that slow
      // to answer across the cluster, and the timeout is not what this test is about.
      CacheSettings settings = CacheSettings.from(new JsonObject().put("lookup_timeout_ms", 30_000));
      ExactCache onA = ExactCache.start(cluster.a, settings).await(30, TimeUnit.SECONDS);
      ExactCache onB = ExactCache.start(cluster.b, settings).await(30, TimeUnit.SECONDS);
      ArtifactStore storeB = FileArtifactStore.open(cluster.b, dir, 1).await(30, TimeUnit.SECONDS);
      CompletableFuture<Void> forgottenOnA = new CompletableFuture<>();
      ArtifactDeletions.start(cluster.a, null, d -> onA.forget(d).onComplete(v -> forgottenOnA.complete(null)))
        .await(30, TimeUnit.SECONDS);
      ArtifactDeletions.start(cluster.b, storeB, onB::forget).await(30, TimeUnit.SECONDS);

      // The upload was kept on b; a served the transcription and cached it.
      Buffer audio = Buffer.buffer(new byte[70_000]);
      Cid audioCid = storeB.put(new ArtifactTag(ArtifactKind.AUDIO_IN, Privacy.LOCAL, "k_1", "req_1"), audio).await(30, TimeUnit.SECONDS).cid();
      CacheKey key = new CacheKey(Capability.TRANSCRIBE, audioCid, new ArtifactRefs(Map.of(ArtifactKind.AUDIO_IN, audioCid.toString())));
      CachedAnswer transcript = CachedAnswer.whole(new CachedAnswer.Origin(Capability.TRANSCRIBE, "local-whisper", Privacy.LOCAL,
        "whisper-1", 0, new JsonObject(), ArtifactRefs.NONE, System.currentTimeMillis()), new JsonObject().put("text", "hello"));
      onA.store(key, transcript).await(30, TimeUnit.SECONDS);

      CachedAnswer hit = onB.lookup(key, CacheAudience.anyone(Privacy.LOCAL, "whisper-1", null)).await(30, TimeUnit.SECONDS);
      assertNotNull(hit, "a hit on the node that did not store it");
      assertEquals("hello", hit.wholeJson().getString("text"));
      assertEquals(1, onB.stats().hits(Capability.TRANSCRIBE));

      // A stream kept by b replays to a caller on a.
      CachedAnswer speech = CachedAnswer.stream(new CachedAnswer.Origin(Capability.SPEECH, "local-tts", Privacy.LOCAL, "flite", 0,
          new JsonObject(), ArtifactRefs.NONE, System.currentTimeMillis()), new JsonObject().put("content-type", "audio/wav"),
        List.of(Buffer.buffer("part-one"), Buffer.buffer("part-two")), new JsonObject().put("characters", 3).put("audio", Buffer.buffer("!")));
      CacheKey speechKey = new CacheKey(Capability.SPEECH, Cid.parse("bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"), ArtifactRefs.NONE);
      onB.store(speechKey, speech).await(30, TimeUnit.SECONDS);
      CachedAnswer found = onA.lookup(speechKey, CacheAudience.anyone(Privacy.CLOUD, "tts-1", null)).await(30, TimeUnit.SECONDS);
      Promise<Void> served = Promise.promise();
      cluster.a.eventBus().consumer("test.cluster.speech", msg -> CacheReplay.serve(msg, found, new DeliveryOptions(), null, 5000)
        .onComplete(served)).completion().await(30, TimeUnit.SECONDS); // registered cluster-wide before b sends
      Message<Object> m = cluster.b.eventBus().request("test.cluster.speech", new JsonObject()).await(30, TimeUnit.SECONDS);
      assertEquals("audio/wav", m.headers().get("content-type"));
      Buffer all = Buffer.buffer().appendBuffer((Buffer) m.body());
      while (!BusStreams.isEnd(m)) {
        m = BusStreams.next(m, 5000).await(30, TimeUnit.SECONDS);
        all.appendBuffer(m.body() instanceof Buffer b ? b : ((JsonObject) m.body()).getBuffer("audio"));
      }
      served.future().await(30, TimeUnit.SECONDS);
      assertEquals(Buffer.buffer("part-onepart-two!"), all);
      assertEquals(StreamProtocol.END, m.headers().get(StreamProtocol.HEADER));

      // The holder deletes the upload on b: a, which wrote the entry, removes it; b no longer serves it.
      storeB.deleteClaims(audioCid, "k_1").await(30, TimeUnit.SECONDS);
      forgottenOnA.get(30, TimeUnit.SECONDS);
      assertNull(onB.lookup(key, CacheAudience.anyone(Privacy.LOCAL, "whisper-1", null)).await(30, TimeUnit.SECONDS));
      AsyncMap<String, Buffer> map = cluster.b.sharedData().<String, Buffer>getAsyncMap(ExactCache.ENTRIES_MAP).await(30, TimeUnit.SECONDS);
      assertNull(map.get(key.id()).await(30, TimeUnit.SECONDS), "gone from the shared map");
      storeB.close().await(30, TimeUnit.SECONDS);
    }
  }
}
