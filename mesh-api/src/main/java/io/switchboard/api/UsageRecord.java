package io.switchboard.api;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * What one finished request cost and where it went, success or failure. The router sends one per request on
 * {@link Addresses#USAGE}; the usage verticle journals it and writes it to the usage store, where
 * {@code requestId} is unique (a record sent twice is stored once). Carries the API key's id, never the key.
 *
 * @param requestId    the request's id ({@link Headers#REQUEST_ID}); required
 * @param time         when the request finished
 * @param keyId        id of the API key the request came with, or null (no keys configured)
 * @param capability   what was asked for
 * @param backend      backend that served (or failed last), null when none was tried
 * @param model        model that served, as the upstream knows it; may be null
 * @param privacy      privacy class of the backend used, null when none was
 * @param inputTokens  prompt tokens (chat, embeddings)
 * @param outputTokens completion tokens
 * @param audioSeconds seconds of audio transcribed or synthesised
 * @param characters   characters synthesised (speech)
 * @param latencyMs    total time from the request's arrival to its last byte
 * @param firstByteMs  time to first token / audio byte; 0 when not streamed
 * @param costUsd      cost in US dollars at list prices
 * @param status       HTTP-like status: 200 on success, the {@link ErrorCode#httpStatus()} on failure
 * @param errorCode    {@link ErrorCode} name on failure, else null
 * @param route        the router's explanation, or null
 * @param call         for the one record a voice call leaves (request id = the call id, capability null, cost 0: its
 *                     stages' records carry the cost), what the call used; null for every request record
 * @param cache        how the exact cache took part ({@link CacheStatus}); null when it did not (a refusal, a call)
 * @param savedUsd     for a cache hit, the list-price cost of the original answer (what the hit saved); else 0
 * @param artifacts    the CIDs of the request's input and output ({@link ArtifactRefs}); empty when none
 */
public record UsageRecord(
  String requestId,
  Instant time,
  String keyId,
  Capability capability,
  String backend,
  String model,
  Privacy privacy,
  long inputTokens,
  long outputTokens,
  double audioSeconds,
  long characters,
  long latencyMs,
  long firstByteMs,
  double costUsd,
  int status,
  String errorCode,
  RouteInfo route,
  CallUsage call,
  CacheStatus cache,
  double savedUsd,
  ArtifactRefs artifacts) {

  /** A request's record (no {@link CallUsage}): the form every record had before calls. */
  public UsageRecord(String requestId, Instant time, String keyId, Capability capability, String backend, String model,
                     Privacy privacy, long inputTokens, long outputTokens, double audioSeconds, long characters, long latencyMs,
                     long firstByteMs, double costUsd, int status, String errorCode, RouteInfo route) {
    this(requestId, time, keyId, capability, backend, model, privacy, inputTokens, outputTokens, audioSeconds, characters,
      latencyMs, firstByteMs, costUsd, status, errorCode, route, null);
  }

  /** A record without cache or artifact fields: the form every record had before the exact cache. */
  public UsageRecord(String requestId, Instant time, String keyId, Capability capability, String backend, String model,
                     Privacy privacy, long inputTokens, long outputTokens, double audioSeconds, long characters, long latencyMs,
                     long firstByteMs, double costUsd, int status, String errorCode, RouteInfo route, CallUsage call) {
    this(requestId, time, keyId, capability, backend, model, privacy, inputTokens, outputTokens, audioSeconds, characters,
      latencyMs, firstByteMs, costUsd, status, errorCode, route, call, null, 0, ArtifactRefs.NONE);
  }

  public UsageRecord {
    if (requestId == null || requestId.isBlank()) {
      throw new IllegalArgumentException("usage record needs a request_id");
    }
    if (requestId.length() > 200) {
      throw new IllegalArgumentException("request_id longer than 200 characters");
    }
    if (time == null) {
      throw new IllegalArgumentException("usage record " + requestId + " needs a time");
    }
    if (inputTokens < 0 || outputTokens < 0 || audioSeconds < 0 || characters < 0 || costUsd < 0
      || latencyMs < 0 || firstByteMs < 0 || savedUsd < 0 || Double.isNaN(audioSeconds) || Double.isNaN(costUsd)
      || Double.isNaN(savedUsd)) {
      throw new IllegalArgumentException("usage record " + requestId + " has a negative or NaN amount");
    }
    artifacts = artifacts == null ? ArtifactRefs.NONE : artifacts;
  }

  /** True when the request failed. */
  public boolean failed() {
    return status >= 400;
  }

  /** A builder for a successful request with no amounts yet, timed now. */
  public static Builder builder(String requestId) {
    return new Builder(requestId);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
      .put("request_id", requestId)
      .put("time", time.toString())
      .put("key_id", keyId)
      .put("capability", capability == null ? null : capability.wireName())
      .put("backend", backend)
      .put("model", model)
      .put("privacy", privacy == null ? null : privacy.wireName())
      .put("input_tokens", inputTokens)
      .put("output_tokens", outputTokens)
      .put("audio_seconds", audioSeconds)
      .put("characters", characters)
      .put("latency_ms", latencyMs)
      .put("first_byte_ms", firstByteMs)
      .put("cost_usd", costUsd)
      .put("status", status)
      .put("error_code", errorCode);
    if (route != null) {
      json.put("route", route.toJson());
    }
    if (call != null) {
      json.put("call", call.toJson());
    }
    if (cache != null) {
      json.put(CacheStatus.FIELD, cache.wireName());
    }
    if (savedUsd > 0) {
      json.put("saved_usd", savedUsd);
    }
    if (!artifacts.isEmpty()) {
      json.put(ArtifactRefs.FIELD, artifacts.toJson());
    }
    return json;
  }

  /** Reads {@link #toJson()}; throws {@link IllegalArgumentException} naming the field at fault. */
  public static UsageRecord fromJson(JsonObject json) {
    if (json == null) {
      throw new IllegalArgumentException("usage record body must be a JSON object");
    }
    try {
      Object t = json.getValue("time");
      Instant time = t instanceof Number n ? Instant.ofEpochMilli(n.longValue())
        : t == null ? null : Instant.parse(t.toString());
      String cap = json.getString("capability");
      String priv = json.getString("privacy");
      JsonObject route = json.getJsonObject("route");
      JsonObject call = json.getJsonObject("call");
      String cache = json.getString(CacheStatus.FIELD);
      return new UsageRecord(
        json.getString("request_id"),
        time,
        json.getString("key_id"),
        cap == null ? null : Capability.parse(cap),
        json.getString("backend"),
        json.getString("model"),
        priv == null ? null : Privacy.parse(priv),
        json.getLong("input_tokens", 0L),
        json.getLong("output_tokens", 0L),
        json.getDouble("audio_seconds", 0d),
        json.getLong("characters", 0L),
        json.getLong("latency_ms", 0L),
        json.getLong("first_byte_ms", 0L),
        json.getDouble("cost_usd", 0d),
        json.getInteger("status", 200),
        json.getString("error_code"),
        route == null ? null : RouteInfo.fromJson(route),
        call == null ? null : CallUsage.fromJson(call),
        cache == null ? null : CacheStatus.parse(cache),
        json.getDouble("saved_usd", 0d),
        ArtifactRefs.fromJson(json.getJsonObject(ArtifactRefs.FIELD)));
    } catch (ClassCastException | DateTimeParseException e) {
      throw new IllegalArgumentException("malformed usage record: " + e.getMessage());
    }
  }

  /** Fluent builder: the router fills a record field by field as the request goes. */
  public static final class Builder {
    private final String requestId;
    private Instant time = Instant.now();
    private String keyId;
    private Capability capability;
    private String backend;
    private String model;
    private Privacy privacy;
    private long inputTokens;
    private long outputTokens;
    private double audioSeconds;
    private long characters;
    private long latencyMs;
    private long firstByteMs;
    private double costUsd;
    private int status = 200;
    private String errorCode;
    private RouteInfo route;
    private CallUsage call;
    private CacheStatus cache;
    private double savedUsd;
    private ArtifactRefs artifacts = ArtifactRefs.NONE;

    private Builder(String requestId) {
      this.requestId = requestId;
    }

    public Builder time(Instant v) { time = v; return this; }
    public Builder keyId(String v) { keyId = v; return this; }
    public Builder capability(Capability v) { capability = v; return this; }
    public Builder backend(String v) { backend = v; return this; }
    public Builder model(String v) { model = v; return this; }
    public Builder privacy(Privacy v) { privacy = v; return this; }
    public Builder tokens(long in, long out) { inputTokens = in; outputTokens = out; return this; }
    public Builder audioSeconds(double v) { audioSeconds = v; return this; }
    public Builder characters(long v) { characters = v; return this; }
    public Builder latencyMs(long v) { latencyMs = v; return this; }
    public Builder firstByteMs(long v) { firstByteMs = v; return this; }
    public Builder costUsd(double v) { costUsd = v; return this; }
    public Builder route(RouteInfo v) { route = v; return this; }
    public Builder call(CallUsage v) { call = v; return this; }
    public Builder cache(CacheStatus v) { cache = v; return this; }
    public Builder savedUsd(double v) { savedUsd = v; return this; }
    public Builder artifacts(ArtifactRefs v) { artifacts = v; return this; }

    /** Marks the record failed with {@code code} (status becomes the code's failure code). */
    public Builder error(ErrorCode code) {
      status = code.httpStatus();
      errorCode = code.name();
      return this;
    }

    public UsageRecord build() {
      return new UsageRecord(requestId, time, keyId, capability, backend, model, privacy, inputTokens, outputTokens,
        audioSeconds, characters, latencyMs, firstByteMs, costUsd, status, errorCode, route, call, cache, savedUsd, artifacts);
    }
  }
}
