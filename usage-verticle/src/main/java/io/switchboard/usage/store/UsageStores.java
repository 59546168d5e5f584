package io.switchboard.usage.store;

import io.switchboard.usage.UsageConfig;
import io.vertx.core.Vertx;

/** Builds the configured store: PostgreSQL when a URL is configured, else H2 in a file. */
public final class UsageStores {

  private UsageStores() {
  }

  public static SqlUsageStore create(Vertx vertx, UsageConfig conf) {
    if (conf.postgresUrl() != null) {
      return PgUsageStore.connect(vertx, conf.postgresUrl(), conf.postgresPoolSize());
    }
    return H2UsageStore.file(vertx, conf.h2Path());
  }
}
