package io.switchboard.core.config;

import io.switchboard.api.PriceBook;
import io.switchboard.api.Prices;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The one reader of price files ({@code conf/prices.yaml}, {@code usage.prices_file}), and what makes the router's
 * estimates and the ledger's costs come from one table. The backends' descriptors carry the
 * prices the router estimates with ({@code CostEstimator}); the ledger prices finished requests with a
 * {@link PriceBook}. So each backend conf entry without its own {@code prices} gets them from the book
 * ({@link #fill}), and an entry that has its own is laid over the book ({@link #book}): both sides then read the
 * same numbers. The table is kept in the node's shared data so that a hot reload fills new conf the same way.
 */
public final class PriceTable {

  private static final String SHARED_MAP = "switchboard.prices";
  private static final String TABLE = "table";
  private static final String CONF_PROVIDER = "conf:";

  private PriceTable() {
  }

  /** Reads a prices file as a {@link PriceBook}; a malformed one fails naming the entry at fault. Blocking. */
  public static PriceBook load(Path yaml) throws IOException {
    return PriceBook.fromJson(read(yaml));
  }

  /** Reads a prices file (YAML) as JSON. Blocking. */
  public static JsonObject read(Path yaml) throws IOException {
    try (Reader r = Files.newBufferedReader(yaml)) {
      Object doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
      if (!(doc instanceof Map<?, ?> map)) {
        throw new IllegalArgumentException(yaml + " is not a YAML mapping");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) map;
      return new JsonObject(m);
    }
  }

  /** The ledger's book: {@code table} with the {@code prices} of each backend entry that has its own laid over. */
  public static PriceBook book(JsonObject table, JsonArray backends) {
    JsonObject merged = table.copy();
    JsonObject providers = merged.getJsonObject("providers", new JsonObject());
    JsonObject ids = merged.getJsonObject("backends", new JsonObject());
    for (Object o : backends) {
      if (o instanceof JsonObject entry && entry.getValue("id") instanceof String id && entry.getValue("prices") instanceof JsonObject own) {
        JsonObject models = new JsonObject();
        own.forEach(e -> {
          if (e.getValue() instanceof JsonObject p) {
            models.put(e.getKey(), Prices.fromJson(p).toJson());
          }
        });
        providers.put(CONF_PROVIDER + id, models);
        ids.put(id, CONF_PROVIDER + id);
      }
    }
    return PriceBook.fromJson(merged.put("providers", providers).put("backends", ids));
  }

  /**
   * Gives each backend entry without {@code prices} the book's prices for its models (and {@code *} when the book
   * prices the backend's other models), in place. Entries the book does not price are left as they are.
   */
  public static void fill(JsonArray backends, PriceBook book) {
    for (Object o : backends) {
      if (!(o instanceof JsonObject entry) || !(entry.getValue("id") instanceof String id) || entry.containsKey("prices")) {
        continue;
      }
      JsonObject prices = new JsonObject();
      if (book.knows(id, null)) {
        put(prices, "*", book.pricesFor(id, null));
      }
      for (Object m : entry.getJsonArray("models", new JsonArray())) {
        String model = String.valueOf(m);
        if (book.knows(id, model)) {
          put(prices, model, book.pricesFor(id, model));
        }
      }
      if (!prices.isEmpty()) {
        entry.put("prices", prices);
      }
    }
  }

  private static void put(JsonObject prices, String model, Prices p) {
    if (!p.isFree()) {
      prices.put(model, p.toJson());
    }
  }

  /** Keeps {@code table} for this node's later conf reloads. */
  public static void share(Vertx vertx, JsonObject table) {
    vertx.sharedData().<String, JsonObject>getLocalMap(SHARED_MAP).put(TABLE, table);
  }

  /**
   * {@code conf} with its backends priced as at start ({@link #share}d table, conf's own prices laid over), or
   * {@code conf} itself when this node has no table.
   */
  public static JsonObject priced(Vertx vertx, JsonObject conf) {
    LocalMap<String, JsonObject> map = vertx.sharedData().getLocalMap(SHARED_MAP);
    JsonObject table = map.get(TABLE);
    if (table == null || !(conf.getValue("backends") instanceof JsonArray backends)) {
      return conf;
    }
    JsonObject copy = conf.copy();
    JsonArray entries = copy.getJsonArray("backends");
    fill(entries, book(table, backends));
    return copy;
  }
}
