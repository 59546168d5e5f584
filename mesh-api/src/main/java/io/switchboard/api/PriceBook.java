package io.switchboard.api;

import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The price model: list prices from {@code conf/prices.yaml}, per provider and model, and the cost of a request. Token,
 * audio and character prices come straight from the table; a backend priced by the hour (a RunPod GPU, or a local
 * machine's electricity) costs its hourly rate times the request's measured duration. A backend id finds its provider
 * through the {@code backends:} map, by being the provider's name, or by starting with it ({@code openai-fast}).
 * A model finds its entry exactly, by its longest listed prefix ({@code gpt-4o-2024-08-06} is {@code gpt-4o}),
 * or through {@code *}. Thread-safe.
 */
public final class PriceBook {

  /** Weight of the newest measured duration in a backend's running average. */
  private static final double EWMA_WEIGHT = 0.2;

  private final String readOn;
  private final Map<String, Map<String, PriceEntry>> providers;
  private final Map<String, String> backends;
  private final Map<String, Double> observedSeconds = new ConcurrentHashMap<>();

  private PriceBook(String readOn, Map<String, Map<String, PriceEntry>> providers, Map<String, String> backends) {
    this.readOn = readOn;
    this.providers = providers;
    this.backends = backends;
  }

  /**
   * The book of a price table ({@code conf/prices.yaml} read as JSON, see {@code io.switchboard.core.config.PriceTable});
   * a malformed entry fails naming it.
   */
  public static PriceBook fromJson(JsonObject json) {
    Map<String, Map<String, PriceEntry>> providers = new LinkedHashMap<>();
    JsonObject ps = json.getJsonObject("providers", new JsonObject());
    for (String provider : ps.fieldNames()) {
      Map<String, PriceEntry> models = new LinkedHashMap<>();
      JsonObject ms = ps.getJsonObject(provider, new JsonObject());
      for (String model : ms.fieldNames()) {
        Object v = ms.getValue(model);
        if (!(v instanceof JsonObject entry)) {
          throw new IllegalArgumentException("prices: providers." + provider + "." + model + " must be a mapping");
        }
        models.put(model, PriceEntry.fromJson(provider + "." + model, entry));
      }
      providers.put(provider, models);
    }
    Map<String, String> backends = new LinkedHashMap<>();
    json.getJsonObject("backends", new JsonObject()).forEach(e -> backends.put(e.getKey(), String.valueOf(e.getValue())));
    Object readOn = json.getValue("read_on");
    return new PriceBook(readOn == null ? "unknown" : String.valueOf(readOn), providers, backends);
  }

  /** When the prices were read from the providers' pages. */
  public String readOn() {
    return readOn;
  }

  /** The price entry for a model on a backend, if the table has one. */
  public Optional<PriceEntry> entry(String backendId, String model) {
    String provider = providerOf(backendId);
    if (provider == null) {
      return Optional.empty();
    }
    Map<String, PriceEntry> models = providers.get(provider);
    if (model != null) {
      PriceEntry exact = models.get(model);
      if (exact != null) {
        return Optional.of(exact);
      }
      String best = null;
      for (String name : models.keySet()) {
        if (startsWithThen(model, name, '-', '-') && (best == null || name.length() > best.length())) {
          best = name;
        }
      }
      if (best != null) {
        return Optional.of(models.get(best));
      }
    }
    return Optional.ofNullable(models.get("*"));
  }

  /** True when the table prices this model on this backend (unknown ones count as free: check this first). */
  public boolean knows(String backendId, String model) {
    return entry(backendId, model).isPresent();
  }

  /**
   * The model's prices in the mesh's shape. For a backend priced by the hour, {@code perRequest} is the hourly rate
   * times the running average of its measured request durations (seeded by {@code est_seconds}). Free when unknown.
   */
  public Prices pricesFor(String backendId, String model) {
    return entry(backendId, model).map(e -> {
      Prices p = e.prices();
      double perRequest = p.perRequest() + e.usdPerSecond() * expectedSeconds(backendId, e);
      return new Prices(p.inputPerMTok(), p.outputPerMTok(), p.perAudioMinute(), p.perKChars(), perRequest);
    }).orElse(Prices.FREE);
  }

  /** Cost of a finished request: table prices for its amounts, plus hourly rates times its measured duration. */
  public double cost(String backendId, String model, long inputTokens, long outputTokens, double audioSeconds,
                     long characters, double durationSeconds) {
    return entry(backendId, model)
      .map(e -> e.prices().cost(inputTokens, outputTokens, audioSeconds, characters) + e.usdPerSecond() * Math.max(0, durationSeconds))
      .orElse(0d);
  }

  /** Cost of a record from its amounts and its latency (as the measured duration). */
  public double cost(UsageRecord r) {
    return cost(r.backend(), r.model(), r.inputTokens(), r.outputTokens(), r.audioSeconds(), r.characters(), r.latencyMs() / 1000d);
  }

  /** Estimated cost before dispatch, for budget reservations: the duration is the backend's running average. */
  public double estimate(String backendId, String model, long inputTokens, long outputTokens, double audioSeconds, long characters) {
    return entry(backendId, model)
      .map(e -> e.prices().cost(inputTokens, outputTokens, audioSeconds, characters) + e.usdPerSecond() * expectedSeconds(backendId, e))
      .orElse(0d);
  }

  /** Feeds a measured request duration into the backend's running average (hour-priced backends' estimates). */
  public void observe(String backendId, double durationSeconds) {
    if (durationSeconds > 0) {
      observedSeconds.merge(backendId, durationSeconds, (old, now) -> old + EWMA_WEIGHT * (now - old));
    }
  }

  private double expectedSeconds(String backendId, PriceEntry e) {
    return observedSeconds.getOrDefault(backendId, e.estSeconds());
  }

  private String providerOf(String backendId) {
    if (backendId == null) {
      return null;
    }
    String mapped = backends.get(backendId);
    if (mapped != null) {
      return providers.containsKey(mapped) ? mapped : null;
    }
    if (providers.containsKey(backendId)) {
      return backendId;
    }
    String best = null;
    for (String p : providers.keySet()) {
      if (startsWithThen(backendId, p, '-', '_') && (best == null || p.length() > best.length())) {
        best = p;
      }
    }
    return best;
  }

  /**
   * {@code s} starts with {@code prefix} followed by {@code a} or {@code b}: {@code s.startsWith(prefix + "-")} without
   * the string it builds (this runs for every finished request, once per provider and model of the table).
   */
  private static boolean startsWithThen(String s, String prefix, char a, char b) {
    int n = prefix.length();
    if (s.length() <= n || !s.startsWith(prefix)) {
      return false;
    }
    char c = s.charAt(n);
    return c == a || c == b;
  }
}
