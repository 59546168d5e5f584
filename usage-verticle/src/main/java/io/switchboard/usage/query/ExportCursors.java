package io.switchboard.usage.query;

import io.switchboard.usage.store.CsvCursor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The exports under way on this node, between their pages: each an open {@link CsvCursor} under a name the asker sends
 * back with its next page ({@link UsageQueryHandler#CURSOR}). One not asked for within {@link #IDLE_MS} is closed (a
 * client gone, a router restarted); a page asked for after that reads from where the page before ended, as a new
 * read. On the usage verticle's event loop only.
 */
final class ExportCursors {

  static final long IDLE_MS = 60_000;

  private record Open(CsvCursor cursor, long timer) {
  }

  private final Vertx vertx;
  private final Map<String, Open> open = new HashMap<>();

  ExportCursors(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Keeps {@code cursor} for its next page; returns its name, unique across nodes (in a cluster the next ask may reach
   * another node's ledger, which must not take it for one of its own).
   */
  String keep(CsvCursor cursor) {
    String name = UUID.randomUUID().toString();
    long timer = vertx.setTimer(IDLE_MS, t -> {
      Open idle = open.remove(name);
      if (idle != null) {
        idle.cursor().close();
      }
    });
    open.put(name, new Open(cursor, timer));
    return name;
  }

  /** The cursor kept under {@code name}, no longer kept (null when there is none: unknown, or closed idle). */
  CsvCursor take(String name) {
    Open o = name == null ? null : open.remove(name);
    if (o == null) {
      return null;
    }
    vertx.cancelTimer(o.timer());
    return o.cursor();
  }

  /** Closes every cursor kept (the verticle stops). */
  Future<Void> closeAll() {
    List<Future<Void>> closed = new ArrayList<>();
    open.values().forEach(o -> {
      vertx.cancelTimer(o.timer());
      closed.add(o.cursor().close());
    });
    open.clear();
    return Future.join(closed).mapEmpty();
  }

  int size() {
    return open.size();
  }
}
