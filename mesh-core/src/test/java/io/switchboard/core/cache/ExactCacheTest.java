package io.switchboard.core.cache;

import io.switchboard.api.ArtifactKind;
import io.switchboard.api.ArtifactRefs;
import io.switchboard.api.Capability;
import io.switchboard.api.Privacy;
import io.switchboard.core.artifact.ArtifactDeletion;
import io.switchboard.core.cid.Cid;
import io.switchboard.core.cid.CidHasher;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exact cache on one node: hits, TTL expiry, the size bound, the privacy rule, and deletions of artifacts. */
@ExtendWith(VertxExtension.class)
class ExactCacheTest {

  static final CacheKeys.Asker ASKER = new CacheKeys.Asker(Privacy.CLOUD, "k_1");
  final AtomicLong clock = new AtomicLong(System.currentTimeMillis());

  static CacheKey key(String text) {
    return new CacheKey(Capability.TRANSCRIBE, CidHasher.of(text.getBytes()), ArtifactRefs.NONE);
  }

  static CacheKey keyOf(String text, Cid audio) {
    return new CacheKey(Capability.TRANSCRIBE, CidHasher.of(text.getBytes()),
      new ArtifactRefs(Map.of(ArtifactKind.AUDIO_IN, audio.toString())));
  }

  CachedAnswer transcript(String text, String backend, Privacy privacy, double cost) {
    return CachedAnswer.whole(new CachedAnswer.Origin(Capability.TRANSCRIBE, backend, privacy, "whisper-1", cost,
      new JsonObject().put("seconds", 3), ArtifactRefs.NONE, clock.get()), new JsonObject().put("text", text));
  }

  static CacheAudience anyone(Privacy ceiling) {
    return CacheAudience.anyone(ceiling, "whisper-1", null);
  }

  ExactCache cache(Vertx vertx, JsonObject conf) {
    return ExactCache.start(vertx, CacheSettings.from(conf), clock::get).await();
  }

  @Test
  void aStoredAnswerIsAHitAndCountsWhatItSaved(Vertx vertx) {
    ExactCache cache = cache(vertx, new JsonObject());
    CacheKey k = key("a");
    assertNull(cache.lookup(k, anyone(Privacy.CLOUD)).await());
    cache.store(k, transcript("hello", "openai-transcription", Privacy.CLOUD, 0.006)).await();
    CachedAnswer hit = cache.lookup(k, anyone(Privacy.CLOUD)).await();
    assertEquals("hello", hit.wholeJson().getString("text"));
    assertEquals("openai-transcription", hit.backend());
    cache.lookup(k, anyone(Privacy.CLOUD)).await();
    assertEquals(2, cache.stats().hits(Capability.TRANSCRIBE));
    assertEquals(1, cache.stats().misses(Capability.TRANSCRIBE));
    assertEquals(0.012, cache.stats().savedUsd(Capability.TRANSCRIBE), 1e-9);
    JsonObject total = cache.stats().toJson().getJsonObject("total");
    assertEquals(2.0 / 3, total.getDouble("hit_rate"), 1e-9);
  }

  @Test
  void aLocalHitIsAnsweredWithinTheCallAsTheBytesOfItsBody(Vertx vertx) {
    ExactCache cache = cache(vertx, new JsonObject());
    CacheKey k = key("bytes");
    JsonObject body = new JsonObject().put("text", "hello").put("duration", 2.5)
      .put("switchboard", new JsonObject().put("backend", "local-whisper")).put("cache", "miss")
      .put("artifacts", new JsonObject().put("transcript", "bafkreiexample"));
    cache.store(k, CachedAnswer.whole(new CachedAnswer.Origin(Capability.TRANSCRIBE, "local-whisper", Privacy.LOCAL, "whisper-1",
      0, new JsonObject(), ArtifactRefs.NONE, clock.get()), body)).await();
    Future<CachedAnswer> hit = cache.lookup(k, anyone(Privacy.LOCAL));
    assertTrue(hit.isComplete(), "the local map answers at once: no timer to wait for, no later turn of the loop");
    assertEquals(Buffer.buffer("{\"text\":\"hello\",\"duration\":2.5}"), hit.result().whole(),
      "the body as an HTTP answer carries it, without the mesh's per-request fields");
    assertEquals(2.5, hit.result().audioSeconds(), "the transcript's seconds, for the hit's usage record");
    assertNull(cache.lookup(key("absent"), anyone(Privacy.LOCAL)).result(), "a local miss is answered at once too");
  }

  @Test
  void anEntryExpiresAfterItsCapabilitysTtl(Vertx vertx, VertxTestContext ctx) {
    ExactCache cache = cache(vertx, new JsonObject().put("transcribe", new JsonObject().put("ttl_ms", 300)));
    CacheKey k = key("ttl");
    cache.store(k, transcript("soon gone", "local-whisper", Privacy.LOCAL, 0)).await();
    assertNotNull(cache.lookup(k, anyone(Privacy.LOCAL)).await(), "there before its TTL");
    long started = System.nanoTime();
    vertx.setPeriodic(50, id -> cache.lookup(k, anyone(Privacy.LOCAL)).onSuccess(a -> {
      if (a == null) {
        vertx.cancelTimer(id);
        ctx.verify(() -> assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(150), "not before its time"));
        ctx.completeNow();
      }
    }));
  }

  @Test
  void theSizeBoundEvictsTheOldestFirst(Vertx vertx) {
    long one = transcript("x".repeat(1000), "b", Privacy.LOCAL, 0).encode().length();
    ExactCache cache = cache(vertx, new JsonObject().put("max_bytes", one * 3));
    for (int i = 0; i < 5; i++) {
      clock.incrementAndGet();
      cache.store(key("k" + i), transcript("x".repeat(1000), "b", Privacy.LOCAL, 0)).await();
    }
    assertNull(cache.lookup(key("k0"), anyone(Privacy.LOCAL)).await());
    assertNull(cache.lookup(key("k1"), anyone(Privacy.LOCAL)).await());
    for (int i = 2; i < 5; i++) {
      assertNotNull(cache.lookup(key("k" + i), anyone(Privacy.LOCAL)).await(), "k" + i);
    }
    assertEquals(2, cache.stats().evictions(Capability.TRANSCRIBE));
    assertEquals(3 * one, cache.ownBytes());
    assertEquals(3, cache.ownEntries());
  }

  @Test
  void anAnswerLargerThanAnEntryMayBeIsNotKept(Vertx vertx) {
    ExactCache cache = cache(vertx, new JsonObject().put("max_entry_bytes", 500));
    cache.store(key("big"), transcript("y".repeat(600), "b", Privacy.LOCAL, 0)).await();
    assertNull(cache.lookup(key("big"), anyone(Privacy.LOCAL)).await());
    assertEquals(1, cache.stats().toJson().getJsonObject("transcribe").getLong("too_large"));
  }

  /** Never to a key that could not have seen the original's backend. */
  @Test
  void thePrivacyRule(Vertx vertx) {
    ExactCache cache = cache(vertx, new JsonObject());
    CacheKey k = key("private");
    cache.store(k, transcript("said in the cloud", "openai", Privacy.CLOUD, 0.01)).await();
    assertNull(cache.lookup(k, anyone(Privacy.ZDR)).await(), "a stricter ceiling than the backend's class");
    assertNull(cache.lookup(k, new CacheAudience(Privacy.CLOUD, List.of("runpod"), List.of(), "whisper-1", null)).await(),
      "a key whose providers exclude the backend");
    assertNull(cache.lookup(k, new CacheAudience(Privacy.CLOUD, List.of(), List.of("light"), "heavy", null)).await(),
      "a key whose models exclude both the asked and the served model");
    assertNull(cache.lookup(k, CacheAudience.anyone(Privacy.CLOUD, "whisper-1", "local-whisper")).await(),
      "a request forcing another provider");
    assertNotNull(cache.lookup(k, new CacheAudience(Privacy.CLOUD, List.of("openai"), List.of("whisper-1"), "whisper-1", null)).await());
    assertEquals(4, cache.stats().denied(Capability.TRANSCRIBE));
    assertEquals(1, cache.stats().hits(Capability.TRANSCRIBE));
  }

  @Test
  void aDeletedArtifactTakesItsEntriesWithIt(Vertx vertx) {
    ExactCache a = cache(vertx, new JsonObject());
    ExactCache b = cache(vertx, new JsonObject()); // another node's view of the same map
    ExactCache stale = cache(vertx, new JsonObject()); // a node that will not hear of the deletion
    Cid audio = CidHasher.of(new byte[]{1, 2, 3});
    CacheKey first = keyOf("first", audio);
    CacheKey second = keyOf("second", audio);
    a.store(first, transcript("one", "local-whisper", Privacy.LOCAL, 0)).await();
    a.store(second, transcript("two", "local-whisper", Privacy.LOCAL, 0)).await();

    clock.incrementAndGet();
    ArtifactDeletion deletion = new ArtifactDeletion(audio, ArtifactDeletion.Reason.HOLDER, "k_1", true, clock.get());
    b.forget(deletion);
    assertNull(b.lookup(first, anyone(Privacy.LOCAL)).await(), "b did not write it, but knows the audio is gone");
    a.forget(deletion);
    AsyncMap<String, Buffer> map = vertx.sharedData().<String, Buffer>getAsyncMap(ExactCache.ENTRIES_MAP).await();
    assertNull(map.get(second.id()).await(), "the writer removed its entry");

    // An entry from a node that never heard of the deletion (it left the cluster), and a node that starts later:
    // the newcomer learns the deletion from the shared map and does not serve the entry.
    stale.store(keyOf("third", audio), CachedAnswer.whole(new CachedAnswer.Origin(Capability.TRANSCRIBE, "local-whisper",
      Privacy.LOCAL, "whisper-1", 0, null, ArtifactRefs.NONE, clock.get() - 5), new JsonObject().put("text", "made before"))).await();
    assertNotNull(map.get(keyOf("third", audio).id()).await(), "still in the map");
    ExactCache c = cache(vertx, new JsonObject());
    assertNull(c.lookup(keyOf("third", audio), anyone(Privacy.LOCAL)).await());

    // The same audio uploaded again after the deletion is a new artifact: its new entries are served.
    clock.addAndGet(10);
    CacheKey again = keyOf("again", audio);
    a.store(again, transcript("fresh", "local-whisper", Privacy.LOCAL, 0)).await();
    assertNotNull(c.lookup(again, anyone(Privacy.LOCAL)).await());
  }
}
