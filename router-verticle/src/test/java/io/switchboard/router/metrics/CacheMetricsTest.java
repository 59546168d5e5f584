package io.switchboard.router.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.switchboard.api.ArtifactRefs;
import io.switchboard.api.Capability;
import io.switchboard.api.EmbeddingRequest;
import io.switchboard.api.Privacy;
import io.switchboard.core.cache.CacheAudience;
import io.switchboard.core.cache.CacheKey;
import io.switchboard.core.cache.CacheKeys;
import io.switchboard.core.cache.CacheSettings;
import io.switchboard.core.cache.CachedAnswer;
import io.switchboard.core.cache.ExactCache;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static io.switchboard.router.metrics.Scrape.assertHas;

/** The exact cache's counters reach Prometheus as {@code switchboard_cache_*}, per capability, as they change. */
class CacheMetricsTest {

  @Test
  void hitsMissesAndSavingsAreScrapedPerCapability() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      ExactCache cache = ExactCache.start(vertx, CacheSettings.from(new JsonObject())).await(10, TimeUnit.SECONDS);
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      CacheMetrics.register(registry, cache);
      EmbeddingRequest request = EmbeddingRequest.fromJson(new JsonObject().put("model", "e5").put("input", "hello"));
      CacheKey key = cache.keys().embeddings(request, "e5", new CacheKeys.Asker(Privacy.CLOUD, null));
      CacheAudience anyone = CacheAudience.anyone(Privacy.CLOUD, "e5", null);
      cache.lookup(key, anyone).await(10, TimeUnit.SECONDS);
      CachedAnswer.Origin origin = new CachedAnswer.Origin(Capability.EMBED, "cloud-embed", Privacy.CLOUD, "e5", 0.25,
        new JsonObject(), ArtifactRefs.NONE, System.currentTimeMillis());
      cache.store(key, CachedAnswer.whole(origin, new JsonObject().put("object", "list").put("data", new JsonArray())))
        .await(10, TimeUnit.SECONDS);
      cache.lookup(key, anyone).await(10, TimeUnit.SECONDS);
      cache.stats().bypass(Capability.CHAT);
      String text = registry.scrape();
      assertHas(text,
        "switchboard_cache_hits_total{capability=\"embed\"} 1.0",
        "switchboard_cache_misses_total{capability=\"embed\"} 1.0",
        "switchboard_cache_saved_usd_total{capability=\"embed\"} 0.25",
        "switchboard_cache_bypasses_total{capability=\"chat\"} 1.0",
        "switchboard_cache_stores_total{capability=\"embed\"} 1.0",
        "switchboard_cache_entries 1.0");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
