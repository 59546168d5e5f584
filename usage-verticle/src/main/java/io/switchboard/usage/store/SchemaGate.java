package io.switchboard.usage.store;

import io.vertx.core.Future;

/**
 * Migrates the store's schema once, on first need, and lets every user wait for it: the shipper, the queries and
 * the key service. A failure (the database is down) is not remembered, so the next caller tries again.
 */
public final class SchemaGate {

  private final UsageStore store;
  private Future<Void> migration;

  public SchemaGate(UsageStore store) {
    this.store = store;
  }

  /** Completes once the schema is current. */
  public synchronized Future<Void> ready() {
    if (migration == null || migration.failed()) {
      migration = store.migrate();
    }
    return migration;
  }

  public synchronized boolean isReady() {
    return migration != null && migration.succeeded();
  }
}
