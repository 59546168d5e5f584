package io.switchboard.router.web.console;

import io.switchboard.api.Addresses;
import io.switchboard.api.MeshException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /admin/api/usage/series?by=backend&range_ms=86400000&buckets=24}: usage over time for the admin page's
 * charts, per backend, key, model, capability or privacy class. The ledger answers totals per group over a time
 * range; this asks it once per time bucket (at most {@value #MAX_BUCKETS}, in parallel) and lines the answers up as
 * series: requests, errors, cost and tokens per group and bucket. The buckets end at the next whole bucket after now.
 */
final class UsageSeries {

  static final int MAX_BUCKETS = 60;
  static final Set<String> DIMENSIONS = Set.of("backend", "key", "model", "capability", "privacy");
  private static final String[] FIELDS = {"requests", "errors", "cost_usd", "input_tokens", "output_tokens"};
  private static final DeliveryOptions OPTIONS = new DeliveryOptions().setSendTimeout(30_000);

  private final Vertx vertx;

  UsageSeries(Vertx vertx) {
    this.vertx = vertx;
  }

  /** The series for {@code by} over the last {@code rangeMs} in {@code buckets} buckets; 400 for a bad argument. */
  Future<JsonObject> series(String by, long rangeMs, int buckets, long nowMs) {
    if (by == null || !DIMENSIONS.contains(by)) {
      throw MeshException.invalid("by", "by must be one of " + String.join(", ", DIMENSIONS.stream().sorted().toList()));
    }
    if (buckets < 1 || buckets > MAX_BUCKETS) {
      throw MeshException.invalid("buckets", "buckets must be from 1 to " + MAX_BUCKETS);
    }
    if (rangeMs < buckets * 1000L || rangeMs > 400L * 86_400_000L) {
      throw MeshException.invalid("range_ms", "range_ms must be at least a second per bucket and at most 400 days");
    }
    long bucketMs = rangeMs / buckets;
    long end = (nowMs / bucketMs + 1) * bucketMs;
    long start = end - bucketMs * buckets;
    List<Future<JsonObject>> answers = new ArrayList<>();
    JsonArray starts = new JsonArray();
    for (int i = 0; i < buckets; i++) {
      long from = start + i * bucketMs;
      starts.add(from);
      answers.add(vertx.eventBus().<JsonObject>request(Addresses.USAGE_QUERY, new JsonObject().put("op", "query")
        .put("group_by", by).put("from", from).put("to", from + bucketMs), OPTIONS).map(m -> m.body()));
    }
    return Future.all(answers).map(all -> {
      Map<String, double[][]> groups = new LinkedHashMap<>();
      for (int i = 0; i < buckets; i++) {
        JsonObject answer = all.resultAt(i);
        for (Object o : answer.getJsonArray("rows", new JsonArray())) {
          if (!(o instanceof JsonObject row)) {
            continue;
          }
          String group = row.getString(by) == null ? "(none)" : row.getString(by);
          double[][] values = groups.computeIfAbsent(group, g -> new double[FIELDS.length][buckets]);
          for (int f = 0; f < FIELDS.length; f++) {
            values[f][i] += row.getDouble(FIELDS[f], 0d);
          }
        }
      }
      JsonArray series = new JsonArray();
      groups.forEach((group, values) -> {
        JsonObject s = new JsonObject().put("name", group);
        for (int f = 0; f < FIELDS.length; f++) {
          JsonArray points = new JsonArray();
          for (double v : values[f]) {
            points.add(v);
          }
          s.put(FIELDS[f], points);
        }
        series.add(s);
      });
      return new JsonObject().put("by", by).put("from", start).put("to", end).put("bucket_ms", bucketMs)
        .put("buckets", starts).put("series", series);
    });
  }
}
