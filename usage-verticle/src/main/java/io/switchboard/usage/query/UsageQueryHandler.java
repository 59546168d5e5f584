package io.switchboard.usage.query;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.core.bus.BusOps;
import io.switchboard.usage.store.CsvCursor;
import io.switchboard.usage.store.GroupBy;
import io.switchboard.usage.store.SchemaGate;
import io.switchboard.usage.store.UsageStore;
import io.switchboard.usage.store.UsageTotals;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.function.Supplier;

/**
 * Answers {@code switchboard.usage.query}: {@code query} (totals per group, for {@code GET /api/v1/usage}),
 * {@code export} (CSV, for {@code GET /api/v1/usage/export}), {@code spent} (a key's spend in a window, to seed
 * budget counters) and {@code status} (journal backlog and store health). Bad input answers 400 naming the
 * field; a store that is down answers 503.
 */
public final class UsageQueryHandler implements Handler<Message<JsonObject>> {

  static final int DEFAULT_EXPORT_LIMIT = 100_000;
  static final int MAX_EXPORT_LIMIT = 1_000_000;
  static final int MAX_PAGE = 100_000;

  private final UsageStore store;
  private final SchemaGate schema;
  private final Supplier<JsonObject> status;
  private final ExportCursors cursors;

  public UsageQueryHandler(Vertx vertx, UsageStore store, SchemaGate schema, Supplier<JsonObject> status) {
    this.cursors = new ExportCursors(vertx);
    this.store = store;
    this.schema = schema;
    this.status = status;
  }

  @Override
  public void handle(Message<JsonObject> msg) {
    BusOps.<Object>start(msg.body(), "usage query", ClassCastException.class, body -> switch (body.getString("op", "query")) {
      case "query" -> query(body);
      case "export" -> body.containsKey("page_size") ? exportPage(body, msg) : export(body).map(csv -> {
        msg.reply(csv, new DeliveryOptions().addHeader("content-type", "text/csv; charset=utf-8"));
        return null;
      });
      case "spent" -> spent(body);
      case "status" -> Future.succeededFuture(status.get());
      default -> throw MeshException.invalid("op", "unknown op '" + body.getString("op") + "' (query, export, spent, status)");
    }).onComplete(ar -> {
      if (ar.failed()) {
        msg.reply(failure(ar.cause()));
      } else if (ar.result() != null) {
        msg.reply(ar.result());
      }
    });
  }

  private Future<JsonObject> query(JsonObject body) {
    GroupBy groupBy = GroupBy.parse(body.getString("group_by", "day"));
    TimeRange range = TimeRange.parse(body.getValue("from"), body.getValue("to"));
    if (groupBy == GroupBy.MODE) {
      return schema.ready().compose(v -> store.modeTotals(range.fromMs(), range.toMs())).map(rows -> {
        JsonArray out = new JsonArray();
        rows.forEach(t -> out.add(t.toJson()));
        return new JsonObject().put("group_by", groupBy.wireName()).put("rows", out);
      });
    }
    return schema.ready().compose(v -> store.totals(range.fromMs(), range.toMs(), groupBy)).map(rows -> {
      JsonArray out = new JsonArray();
      for (UsageTotals t : rows) {
        out.add(t.toJson(groupBy));
      }
      return new JsonObject().put("group_by", groupBy.wireName()).put("rows", out);
    });
  }

  private Future<String> export(JsonObject body) {
    TimeRange range = TimeRange.parse(body.getValue("from"), body.getValue("to"));
    int max = limit(body, DEFAULT_EXPORT_LIMIT);
    return schema.ready().compose(v -> store.openExport(range.fromMs(), range.toMs(), 0, null, max))
      .compose(cursor -> cursor.next(max).eventually(cursor::close))
      .map(page -> UsageCsv.HEADER + "\r\n" + page.csv());
  }

  /** {@code limit} of {@code body} (the records wanted), {@code otherwise} when absent. */
  private static int limit(JsonObject body, int otherwise) {
    Object l = body.getValue("limit");
    if (l == null) {
      return otherwise;
    }
    if (!(l instanceof Number n) || n.intValue() < 1 || n.intValue() > MAX_EXPORT_LIMIT) {
      throw MeshException.invalid("limit", "limit must be a whole number from 1 to " + MAX_EXPORT_LIMIT + ", got " + l);
    }
    return n.intValue();
  }

  /**
   * One page of an export ({@code page_size} records at most, {@value #MAX_PAGE} at most), after the record named by
   * {@code after_ms} and {@code after_id} (none: the first page, with the header line), of the {@code limit} records
   * the export still wants (this page's among them; without it, this page's). The pages are one read of the store:
   * the first opens it, and a full page that leaves records to want keeps it open under the name in the reply header
   * {@link Headers#EXPORT_CURSOR}, which the next page's ask sends back as {@code cursor}; an ask whose cursor this
   * node does not hold (closed idle, another node's) reads one page after the record it names. When the page is full
   * its last record is named in the headers {@link Headers#EXPORT_NEXT_MS} and {@link Headers#EXPORT_NEXT_ID}, to ask
   * for the next page with.
   */
  private Future<Void> exportPage(JsonObject body, Message<JsonObject> msg) {
    TimeRange range = TimeRange.parse(body.getValue("from"), body.getValue("to"));
    Object p = body.getValue("page_size");
    if (!(p instanceof Number n) || n.intValue() < 1 || n.intValue() > MAX_PAGE) {
      throw MeshException.invalid("page_size", "page_size must be a whole number from 1 to " + MAX_PAGE + ", got " + p);
    }
    int size = n.intValue();
    int wanted = Math.max(limit(body, size), size);
    String afterId = body.getString("after_id");
    long afterMs = body.getLong("after_ms", Long.MIN_VALUE);
    CsvCursor kept = cursors.take(body.getString("cursor"));
    // A read is kept for the next page when it starts the export or continues one kept here. An ask after a record
    // with no cursor held here comes from an export whose pages reach several ledgers (a cluster on one PostgreSQL):
    // it reads one page and lets go, as the next ask may go elsewhere.
    boolean keep = wanted > size && (kept != null || afterId == null);
    Future<CsvCursor> cursor = kept != null ? Future.succeededFuture(kept)
      : schema.ready().compose(v -> store.openExport(range.fromMs(), range.toMs(), afterMs, afterId, keep ? wanted : size));
    return cursor.compose(c -> c.next(size).andThen(ar -> {
      if (ar.failed() || ar.result().rows() < size || !keep) {
        c.close();
      }
    }).map(page -> {
      DeliveryOptions headers = new DeliveryOptions().addHeader("content-type", "text/csv; charset=utf-8");
      if (page.rows() == size) {
        headers.addHeader(Headers.EXPORT_NEXT_MS, Long.toString(page.lastMs())).addHeader(Headers.EXPORT_NEXT_ID, page.lastId());
        if (keep) {
          headers.addHeader(Headers.EXPORT_CURSOR, cursors.keep(c));
        }
      }
      msg.reply(afterId == null ? UsageCsv.HEADER + "\r\n" + page.csv() : page.csv(), headers);
      return null;
    }));
  }

  /** Closes the exports under way (the verticle stops). */
  public Future<Void> close() {
    return cursors.closeAll();
  }

  private Future<JsonObject> spent(JsonObject body) {
    String keyId = body.getString("key_id");
    if (keyId == null || keyId.isBlank()) {
      throw MeshException.invalid("key_id", "spent needs a key_id");
    }
    TimeRange range = TimeRange.parse(body.getValue("from"), body.getValue("to"));
    return schema.ready().compose(v -> store.spentMicros(keyId, range.fromMs(), range.toMs()))
      .map(micros -> new JsonObject().put("key_id", keyId).put("cost_micros", micros).put("cost_usd", micros / 1_000_000d));
  }

  private MeshException failure(Throwable t) {
    if (t instanceof MeshException m) {
      return m;
    }
    return new MeshException(ErrorCode.UNAVAILABLE, "usage store (" + store.kind() + ") unavailable: " + t.getClass().getSimpleName());
  }
}
