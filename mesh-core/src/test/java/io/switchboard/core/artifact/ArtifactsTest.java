package io.switchboard.core.artifact;

import io.switchboard.api.ArtifactKind;
import io.switchboard.api.ArtifactRefs;
import io.switchboard.api.Capability;
import io.switchboard.api.Privacy;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.core.cache.CacheAudience;
import io.switchboard.core.cache.CacheKey;
import io.switchboard.core.cache.CacheKeys;
import io.switchboard.core.cache.CachedAnswer;
import io.switchboard.core.cid.CanonicalJson;
import io.switchboard.core.cid.FileDag;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node's artifacts as the web verticle and router will use them: only the kinds kept are stored, and deleting an
 * artifact drops the cache entries derived from it.
 */
@ExtendWith(VertxExtension.class)
class ArtifactsTest {

  @TempDir
  Path dir;

  @Test
  void keepsWhatTheConfigurationSaysAndForgetsWhatIsDeleted(Vertx vertx) throws Exception {
    Artifacts artifacts = Artifacts.start(vertx,
      new JsonObject().put("keep", new JsonArray().add("audio_in").add("transcript")).put("data_dir", dir.toString()),
      new JsonObject(), Map.of()).await(30, TimeUnit.SECONDS);
    Buffer audio = Buffer.buffer(new byte[300_000]);
    FileDag audioDag = FileDag.of(audio); // as the web verticle computes it while the upload streams in
    ArtifactInfo kept = artifacts.keep(new ArtifactTag(ArtifactKind.AUDIO_IN, Privacy.LOCAL, "k_1", "r1"), audio, audioDag).await();
    assertEquals(audioDag.root(), kept.cid());
    Buffer chat = Buffer.buffer(CanonicalJson.bytes(new JsonObject().put("object", "chat.completion")));
    assertNull(artifacts.keep(new ArtifactTag(ArtifactKind.CHAT, Privacy.CLOUD, "k_1", "r1"), chat, FileDag.of(chat)).await(),
      "chat is not kept");
    assertNull(artifacts.writer(new ArtifactTag(ArtifactKind.AUDIO_OUT, Privacy.LOCAL, "k_1", "r1")));

    CacheKey key = artifacts.cache().keys().transcription(
      TranscriptionRequest.fromJson(new JsonObject().put("model", "whisper-1")), kept.cid().toString(), null,
      new CacheKeys.Asker(Privacy.LOCAL, "k_1"));
    artifacts.cache().store(key, CachedAnswer.whole(new CachedAnswer.Origin(Capability.TRANSCRIBE, "local-whisper", Privacy.LOCAL,
      "whisper-1", 0, null, ArtifactRefs.NONE, System.currentTimeMillis() - 1), new JsonObject().put("text", "hi"))).await();
    CacheAudience audience = CacheAudience.anyone(Privacy.LOCAL, "whisper-1", null);
    assertNotNull(artifacts.cache().lookup(key, audience).await());

    assertTrue(artifacts.store().deleteClaims(kept.cid(), "k_1").await());
    // The deletion reaches the cache through the bus (published, then heard by this node too): wait for it, bounded.
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (artifacts.cache().ownEntries() > 0 && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertNull(artifacts.cache().lookup(key, audience).await(), "the transcript of deleted audio is not served");
    artifacts.stop().await();
  }
}
