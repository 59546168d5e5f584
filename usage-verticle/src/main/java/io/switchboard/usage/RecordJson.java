package io.switchboard.usage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.switchboard.api.ArtifactRefs;
import io.switchboard.api.CacheStatus;
import io.switchboard.api.RouteInfo;
import io.switchboard.api.UsageRecord;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * A usage record's JSON (and its route's) written straight from its fields by Jackson's streaming generator: the same
 * text as {@link UsageRecord#toJson()}{@code .encode()} (and {@link RouteInfo#toJson()}), without building a
 * {@code JsonObject} and running data binding over it, which cost the ledger more per record than anything else it did
 * on its own threads. Rare nested parts (a call's usage, artifact CIDs) go through their own {@code toJson()}.
 */
public final class RecordJson {

  public static final JsonFactory FACTORY = new JsonFactory();

  private RecordJson() {
  }

  /** The route's JSON text, as {@code route.toJson().encode()} gives it. */
  public static String route(RouteInfo route) {
    StringWriter out = new StringWriter(128);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      route(g, route);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** The fields in the order and form of {@link UsageRecord#toJson()}. */
  public static void write(JsonGenerator g, UsageRecord r) throws IOException {
    g.writeStartObject();
    g.writeStringField("request_id", r.requestId());
    g.writeStringField("time", r.time().toString());
    string(g, "key_id", r.keyId());
    string(g, "capability", r.capability() == null ? null : r.capability().wireName());
    string(g, "backend", r.backend());
    string(g, "model", r.model());
    string(g, "privacy", r.privacy() == null ? null : r.privacy().wireName());
    g.writeNumberField("input_tokens", r.inputTokens());
    g.writeNumberField("output_tokens", r.outputTokens());
    g.writeNumberField("audio_seconds", r.audioSeconds());
    g.writeNumberField("characters", r.characters());
    g.writeNumberField("latency_ms", r.latencyMs());
    g.writeNumberField("first_byte_ms", r.firstByteMs());
    g.writeNumberField("cost_usd", r.costUsd());
    g.writeNumberField("status", r.status());
    string(g, "error_code", r.errorCode());
    if (r.route() != null) {
      g.writeFieldName("route");
      route(g, r.route());
    }
    if (r.call() != null) {
      g.writeFieldName("call");
      g.writeRawValue(r.call().toJson().encode());
    }
    if (r.cache() != null) {
      g.writeStringField(CacheStatus.FIELD, r.cache().wireName());
    }
    if (r.savedUsd() > 0) {
      g.writeNumberField("saved_usd", r.savedUsd());
    }
    if (!r.artifacts().isEmpty()) {
      g.writeFieldName(ArtifactRefs.FIELD);
      g.writeRawValue(r.artifacts().toJson().encode());
    }
    g.writeEndObject();
  }

  private static void route(JsonGenerator g, RouteInfo route) throws IOException {
    g.writeStartObject();
    string(g, "backend", route.backend());
    string(g, "model", route.model());
    g.writeArrayFieldStart("skipped");
    for (RouteInfo.Skip s : route.skipped()) {
      g.writeStartObject();
      string(g, "backend", s.backend());
      string(g, "reason", s.reason());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void string(JsonGenerator g, String name, String value) throws IOException {
    if (value == null) {
      g.writeNullField(name);
    } else {
      g.writeStringField(name, value);
    }
  }
}
