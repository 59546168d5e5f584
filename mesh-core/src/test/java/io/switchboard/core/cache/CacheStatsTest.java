package io.switchboard.core.cache;

import io.switchboard.api.Capability;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Each count lands in its own field of the admin page's figures, in their order, and the total adds them up. */
class CacheStatsTest {

  @Test
  void eachCountHasItsFieldAndTheTotalAddsThemUp() {
    CacheStats stats = new CacheStats();
    int times = 1;
    for (CacheStats.Count what : CacheStats.Count.values()) {
      for (int i = 0; i < times; i++) {
        stats.count(Capability.CHAT, what);
      }
      times++;
    }
    stats.onHit(Capability.CHAT, 0.25);
    stats.onHit(Capability.SPEECH, 0.5);
    stats.count(Capability.SPEECH, CacheStats.Count.MISS);

    JsonObject chat = new JsonObject().put("hits", 2L).put("misses", 2L).put("denied", 3L).put("bypasses", 4L)
      .put("stores", 5L).put("too_large", 6L).put("evictions", 7L).put("forgotten", 8L).put("saved_usd", 0.25)
      .put("hit_rate", 2.0 / 7);
    JsonObject speech = new JsonObject().put("hits", 1L).put("misses", 1L).put("denied", 0L).put("bypasses", 0L)
      .put("stores", 0L).put("too_large", 0L).put("evictions", 0L).put("forgotten", 0L).put("saved_usd", 0.5)
      .put("hit_rate", 0.5);
    JsonObject total = new JsonObject().put("hits", 3L).put("misses", 3L).put("denied", 3L).put("bypasses", 4L)
      .put("stores", 5L).put("too_large", 6L).put("evictions", 7L).put("forgotten", 8L).put("saved_usd", 0.75)
      .put("hit_rate", 3.0 / 9);
    JsonObject json = stats.toJson();
    assertEquals(chat.encode(), json.getJsonObject("chat").encode());
    assertEquals(speech.encode(), json.getJsonObject("speech").encode());
    assertEquals(total.encode(), json.getJsonObject("total").encode());
    assertEquals(2, stats.hits(Capability.CHAT));
    assertEquals(5, stats.misses(Capability.CHAT), "misses include the denied");
    assertEquals(3, stats.denied(Capability.CHAT));
    assertEquals(4, stats.bypasses(Capability.CHAT));
    assertEquals(5, stats.stores(Capability.CHAT));
    assertEquals(7, stats.evictions(Capability.CHAT));
    assertEquals(0.25, stats.savedUsd(Capability.CHAT), 1e-12);
  }
}
