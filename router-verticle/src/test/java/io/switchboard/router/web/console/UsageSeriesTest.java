package io.switchboard.router.web.console;

import io.switchboard.api.Addresses;
import io.switchboard.api.MeshException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Usage series lined up from the ledger's per-range totals (a stand-in ledger answers on the bus as the real one does). */
@ExtendWith(VertxExtension.class)
class UsageSeriesTest {

  @Test
  void eachBucketIsOneQueryAndGroupsBecomeSeries(Vertx vertx) throws Exception {
    long hour = 3_600_000;
    long now = 10 * hour + 123;
    // the ledger: openai used in every hour, a key-less group only in the last one
    vertx.eventBus().<JsonObject>consumer(Addresses.USAGE_QUERY, m -> {
      JsonObject q = m.body();
      assertEquals("query", q.getString("op"));
      long from = q.getLong("from");
      assertEquals(hour, q.getLong("to") - from);
      JsonArray rows = new JsonArray().add(new JsonObject().put("backend", "openai").put("requests", from / hour)
        .put("errors", 0).put("cost_usd", 0.5).put("input_tokens", 10).put("output_tokens", 5));
      if (from == 10 * hour) {
        rows.add(new JsonObject().put("backend", null).put("requests", 2).put("errors", 2).put("cost_usd", 0)
          .put("input_tokens", 0).put("output_tokens", 0));
      }
      m.reply(new JsonObject().put("group_by", q.getString("group_by")).put("rows", rows));
    }).completion().await(5, TimeUnit.SECONDS);
    UsageSeries series = new UsageSeries(vertx);
    JsonObject s = series.series("backend", 3 * hour, 3, now).await(10, TimeUnit.SECONDS);
    assertEquals(8 * hour, s.getLong("from"), "three whole buckets ending after now");
    assertEquals(11 * hour, s.getLong("to"));
    assertEquals(new JsonArray().add(8 * hour).add(9 * hour).add(10 * hour), s.getJsonArray("buckets"));
    JsonObject openai = s.getJsonArray("series").getJsonObject(0);
    assertEquals("openai", openai.getString("name"));
    assertEquals(new JsonArray().add(8.0).add(9.0).add(10.0), openai.getJsonArray("requests"));
    assertEquals(new JsonArray().add(0.5).add(0.5).add(0.5), openai.getJsonArray("cost_usd"));
    JsonObject none = s.getJsonArray("series").getJsonObject(1);
    assertEquals("(none)", none.getString("name"));
    assertEquals(new JsonArray().add(0.0).add(0.0).add(2.0), none.getJsonArray("errors"));
  }

  @Test
  void badArgumentsAreRefused(Vertx vertx) {
    UsageSeries series = new UsageSeries(vertx);
    assertEquals("by", assertThrows(MeshException.class, () -> series.series("day", 3_600_000, 12, 0)).param());
    assertEquals("buckets", assertThrows(MeshException.class, () -> series.series("key", 3_600_000, 0, 0)).param());
    assertEquals("buckets", assertThrows(MeshException.class, () -> series.series("key", 3_600_000, 61, 0)).param());
    assertEquals("range_ms", assertThrows(MeshException.class, () -> series.series("key", 10, 12, 0)).param());
  }
}
