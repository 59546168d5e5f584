package io.switchboard.router.usage;

import io.switchboard.api.ApiKey;
import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.KeyLimits;
import io.switchboard.api.MeshException;
import io.switchboard.api.PriceBook;
import io.switchboard.api.Reservation;
import io.switchboard.api.Usage;
import io.switchboard.api.UsageRecord;
import io.switchboard.core.usage.BudgetGuard;
import io.switchboard.core.usage.KeyVerifier;
import io.switchboard.router.Finished;
import io.switchboard.router.limits.Limits;
import io.switchboard.router.limits.RateLimiter;
import io.switchboard.router.policy.Candidate;
import io.switchboard.router.policy.RequestSize;
import io.switchboard.router.policy.RoutePlan;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.SharedData;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The usage ledger on the request path. A request's key comes from {@code x-switchboard-key-id} (set by the web
 * verticle after checking the key, or by a trusted service on the bus) or from {@code x-switchboard-api-key} (a
 * plaintext key from a bus caller, verified here). Admission takes one permit of the key's requests-per-minute
 * limit (cluster-wide counters leased to this router, as for backend limits) and holds the highest estimate among
 * the plan's candidates against the key's budgets (so a fallback to a dearer backend cannot overspend); the end of
 * the request settles the hold to the real cost, priced from the same table as the estimate, and sends the record.
 * Owned by the router's event loop.
 */
public final class UsageMeter implements Metering {

  private static final Logger LOG = System.getLogger(UsageMeter.class.getName());
  private static final String RATE_PREFIX = "key.";
  private static final Future<ApiKey> NO_KEY = Future.succeededFuture();

  private final KeyVerifier keys;
  private final BudgetGuard budgets;
  private final PriceBook prices;
  private final UsageRecorder recorder;
  private final RateLimiter rates;
  private final Map<String, Integer> rpm = new ConcurrentHashMap<>();

  /**
   * @param prices the ledger's price table; null prices finished requests from their backend's descriptor
   * @param windowMs the requests-per-minute window (the router's {@code limits.window_ms})
   */
  public UsageMeter(KeyVerifier keys, BudgetGuard budgets, PriceBook prices, UsageRecorder recorder, SharedData data,
                    LongSupplier clock, long windowMs, double leaseFraction) {
    this.keys = keys;
    this.budgets = budgets;
    this.prices = prices;
    this.recorder = recorder;
    this.rates = new RateLimiter(data, clock, id -> new Limits(rpm.getOrDefault(id.substring(RATE_PREFIX.length()), 0), 0, 0),
      windowMs, leaseFraction);
  }

  @Override
  public Future<ApiKey> identify(MultiMap headers) {
    String plaintext = headers.get(Headers.API_KEY);
    if (plaintext != null) {
      return keys.verify(plaintext.trim());
    }
    String id = headers.get(Headers.KEY_ID);
    if (id == null) {
      return NO_KEY;
    }
    return keys.get(id).recover(e -> Future.failedFuture(MeshException.from(e).errorCode() == ErrorCode.NOT_FOUND
      ? new MeshException(ErrorCode.AUTHENTICATION, "API key " + id + " is unknown or has been revoked")
      : MeshException.from(e)));
  }

  @Override
  public RoutePlan restrict(ApiKey key, String model, RoutePlan plan) {
    return KeyRules.restrict(key, model, plan);
  }

  @Override
  public Future<Admission> admit(ApiKey key, Capability capability, RoutePlan plan) {
    if (key == null) {
      return Future.succeededFuture(Admission.NONE);
    }
    KeyLimits limits = key.limits();
    Future<Void> rate = limits.requestsPerMinute() > 0 ? rate(key) : Future.succeededFuture();
    return rate.compose(v -> limits.hasBudget() ? budgets.reserve(key.id(), highestEstimate(plan))
        : Future.succeededFuture(Reservation.none(key.id())))
      .map(r -> new Admission(key, r));
  }

  private Future<Void> rate(ApiKey key) {
    rpm.put(key.id(), key.limits().requestsPerMinute());
    String id = RATE_PREFIX + key.id();
    return rates.acquire(id, 0).compose(denial -> {
      if (denial == null) {
        rates.release(id); // a key has no concurrency limit: the permit is all that counts
        return Future.succeededFuture();
      }
      return Future.failedFuture(new MeshException(ErrorCode.RATE_LIMITED, "API key " + key.id() + ": " + denial.reason(),
        null, denial.retryAfterMs()));
    });
  }

  private static double highestEstimate(RoutePlan plan) {
    double max = 0;
    for (Candidate c : plan.candidates()) {
      max = Math.max(max, c.estimatedCostUsd());
    }
    return max;
  }

  @Override
  public Future<Void> finished(Finished f, Admission admission) {
    Finished.Asked asked = f.asked();
    Finished.Target on = f.target();
    Amounts a = Amounts.of(f);
    boolean billable = f.billable();
    double cost = billable ? cost(prices, on, a, f.latencyMs()) : 0;
    if (billable && prices != null) {
      prices.observe(on.backend(), f.latencyMs() / 1000d);
    }
    Future<Void> settled = admission.reservation().counters().isEmpty() ? Future.succeededFuture()
      : budgets.settle(admission.reservation(), cost).recover(e -> {
        LOG.log(Level.WARNING, "budget of key {0} not settled for request {1}: {2}", admission.reservation().keyId(),
          asked.requestId(), e.getMessage());
        return Future.succeededFuture();
      });
    UsageRecord.Builder record = UsageRecord.builder(asked.requestId())
      .time(Instant.ofEpochMilli(asked.startedAtMs() + f.latencyMs()))
      .keyId(asked.keyId())
      .capability(asked.capability())
      .backend(on.backend())
      .model(on.model())
      .privacy(on.privacy())
      .tokens(a.inputTokens(), a.outputTokens())
      .audioSeconds(a.audioSeconds())
      .characters(a.characters())
      .latencyMs(Math.max(0, f.latencyMs()))
      .firstByteMs(f.answer().streamed() ? Math.max(0, f.answer().ttfbMs()) : 0)
      .costUsd(cost)
      .route(f.route())
      .cache(f.answer().cache())
      .savedUsd(f.answer().savedUsd())
      .artifacts(f.answer().artifacts());
    if (f.error() != null) {
      record.error(f.error());
    }
    Future<Void> recorded = recorder.send(record.build());
    return settled.isComplete() ? recorded : Future.join(settled, recorded).transform(ar -> Future.succeededFuture());
  }

  /**
   * The list-price cost of amounts served by {@code on}: from the ledger's table ({@code prices}, may be null) when it
   * knows the pair, else from the backend's descriptor (conf prices). The metrics price requests the same way.
   */
  public static double cost(PriceBook prices, Finished.Target on, Amounts a, long latencyMs) {
    if (prices != null && prices.knows(on.backend(), on.model())) {
      return prices.cost(on.backend(), on.model(), a.inputTokens(), a.outputTokens(), a.audioSeconds(), a.characters(),
        latencyMs / 1000d);
    }
    return on.prices() == null ? 0 : on.prices().cost(a.inputTokens(), a.outputTokens(), a.audioSeconds(), a.characters());
  }

  /** The billable amounts of a finished request. */
  public record Amounts(long inputTokens, long outputTokens, double audioSeconds, long characters) {

    public static Amounts of(Finished f) {
      Finished.Answer answer = f.answer();
      RequestSize size = f.asked().size();
      JsonObject u = answer.usage() == null ? new JsonObject() : answer.usage();
      Usage tokens = Usage.fromJson(u);
      double audio = 0;
      long chars = 0;
      if (f.asked().capability() == Capability.TRANSCRIBE) {
        // The transcript's own duration beats the estimate from the upload's size.
        audio = answer.replyAudioSeconds() >= 0 ? answer.replyAudioSeconds() : size == null ? 0 : size.audioSeconds();
      } else if (f.asked().capability() == Capability.SPEECH) {
        chars = size == null ? 0 : size.characters();
        audio = u.getValue("audio_seconds") instanceof Number n ? Math.max(0, n.doubleValue()) : 0;
      }
      return new Amounts(tokens.promptTokens(), tokens.completionTokens(), Double.isFinite(audio) ? audio : 0, chars);
    }
  }
}
