package io.switchboard.usage.store;

import io.switchboard.usage.UsageConfig;
import io.vertx.core.Vertx;

/** Builds the configured store: PostgreSQL when a URL is configured, else DuckDB in a file. */
public final class UsageStores {

  private UsageStores() {
  }

  public static LedgerStore create(Vertx vertx, UsageConfig conf) {
    if (conf.postgresUrl() != null) {
      return PgUsageStore.connect(vertx, conf.postgresUrl(), conf.postgresPoolSize());
    }
    return DuckDbUsageStore.open(vertx, conf.duckdbPath(), conf.h2Path(), conf.duckdb());
  }
}
