package io.switchboard.router.web;

import io.switchboard.api.Addresses;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

import java.util.function.BiConsumer;

/**
 * {@code GET /api/v1/usage/export} as a stream: the CSV is asked of the usage verticle a page at a time
 * ({@value #PAGE} records, each page after the last record of the one before; the usage verticle reads them in one
 * pass of its store, held open between the asks, see its {@code UsageQueryHandler}) and each page is written to the
 * response (chunked) before the next is asked for, so neither node holds more than a page whatever the export's
 * length, and a slow client slows the reads. A failure after the first page cuts the response (the connection is
 * reset): a cut export never looks complete.
 */
final class UsageExport {

  static final int PAGE = 10_000;
  static final int DEFAULT_LIMIT = 100_000;
  static final int MAX_LIMIT = 1_000_000;

  private final Vertx vertx;
  private final DeliveryOptions options;
  private final BiConsumer<HttpServerResponse, Throwable> fail;

  /** {@code fail}: answers an error before anything was written. */
  UsageExport(Vertx vertx, DeliveryOptions options, BiConsumer<HttpServerResponse, Throwable> fail) {
    this.vertx = vertx;
    this.options = options;
    this.fail = fail;
  }

  /** Streams the records of {@code query} ({@code from}, {@code to}) to {@code response}, at most {@code limit}. */
  void stream(HttpServerResponse response, JsonObject query, int limit) {
    if (limit < 1 || limit > MAX_LIMIT) {
      fail.accept(response, MeshException.invalid("limit", "limit must be a whole number from 1 to " + MAX_LIMIT + ", got " + limit));
      return;
    }
    page(response, query, limit, 0, null, null);
  }

  private void page(HttpServerResponse response, JsonObject query, int remaining, long afterMs, String afterId,
                    String cursor) {
    int size = Math.min(PAGE, remaining);
    // The records still wanted: the usage verticle reads them in one pass, a page per ask (the cursor names it).
    JsonObject ask = query.copy().put("op", "export").put("page_size", size).put("limit", remaining);
    if (afterId != null) {
      ask.put("after_ms", afterMs).put("after_id", afterId);
    }
    if (cursor != null) {
      ask.put("cursor", cursor);
    }
    vertx.eventBus().<Object>request(Addresses.USAGE_QUERY, ask, options).onComplete(ar -> {
      if (ar.failed()) {
        if (response.headWritten()) {
          response.reset();
        } else {
          fail.accept(response, ar.cause());
        }
        return;
      }
      if (!response.headWritten()) {
        response.setChunked(true).putHeader("content-type", "text/csv; charset=utf-8")
          .putHeader("content-disposition", "attachment; filename=\"switchboard-usage.csv\"");
      }
      Message<Object> reply = ar.result();
      String nextId = reply.headers().get(Headers.EXPORT_NEXT_ID);
      Future<Void> written = response.write(String.valueOf(reply.body()));
      if (nextId == null || remaining - size <= 0) {
        written.onComplete(w -> response.end());
        return;
      }
      long nextMs = Long.parseLong(reply.headers().get(Headers.EXPORT_NEXT_MS));
      // The next page once this one is written: a slow client holds the export back, not the memory.
      String nextCursor = reply.headers().get(Headers.EXPORT_CURSOR);
      written.onSuccess(w -> page(response, query, remaining - size, nextMs, nextId, nextCursor));
    });
  }
}
