package io.switchboard.usage.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;

/**
 * The shared store: PostgreSQL through the Vert.x reactive client. Many nodes may write to it; the request id's
 * primary key keeps each record once. Connections are made on demand, so a server that is down at start only
 * delays the writes (the journal holds them).
 */
public final class PgUsageStore extends SqlUsageStore {

  private PgUsageStore(io.vertx.sqlclient.Pool pool) {
    super(pool);
  }

  /** {@code url}: {@code postgresql://user:password@host:port/db} (a {@code jdbc:} prefix is accepted). */
  public static PgUsageStore connect(Vertx vertx, String url, int poolSize) {
    String uri = url.startsWith("jdbc:") ? url.substring(5) : url;
    PgConnectOptions connect;
    try {
      connect = PgConnectOptions.fromUri(uri);
    } catch (RuntimeException e) {
      // The URL holds a password: never echo it.
      throw new IllegalArgumentException("usage.postgres_url is not a postgresql:// URL");
    }
    // Parameters in the URL replace the client's default session settings; keep those the URL does not set.
    new PgConnectOptions().getProperties().forEach((k, v) -> {
      if (!connect.getProperties().containsKey(k)) {
        connect.addProperty(k, v);
      }
    });
    connect.setPipeliningLimit(256);
    return new PgUsageStore(PgBuilder.pool()
      .with(new PoolOptions().setMaxSize(poolSize).setName("switchboard-usage-pg"))
      .connectingTo(connect)
      .using(vertx)
      .build());
  }

  @Override
  public String kind() {
    return "postgresql";
  }

  /** Numbers the {@code ?} placeholders ({@code $1, $2, ...}); the shared SQL has no {@code ?} inside literals. */
  @Override
  protected String sql(String text) {
    StringBuilder sb = new StringBuilder(text.length() + 16);
    int n = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '?') {
        sb.append('$').append(++n);
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** A PostgreSQL commit is durable when it returns. */
  @Override
  public Future<Void> sync() {
    return Future.succeededFuture();
  }
}
