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
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;

/**
 * A usage record's JSON (and its route's) written straight from its fields by Jackson's streaming generator: the same
 * text as {@link UsageRecord#toJson()}{@code .encode()} (and {@link RouteInfo#toJson()}), without building a
 * {@code JsonObject} and running data binding over it, which cost the ledger more per record than anything else it did
 * on its own threads. A call's usage (rare) goes through its own {@code toJson()}.
 */
public final class RecordJson {

  public static final JsonFactory FACTORY = new JsonFactory();
  /** Seconds from the epoch to 0000-01-01T00:00:00Z and to 10000-01-01T00:00:00Z. */
  private static final long YEAR_0 = -62_167_219_200L;
  private static final long YEAR_10000 = 253_402_300_800L;

  private RecordJson() {
  }

  /** The route's JSON text, as {@code route.toJson().encode()} gives it. */
  public static String route(RouteInfo route) {
    return text(g -> route(g, route));
  }

  /**
   * {@code t.toString()} (ISO-8601 in UTC, the fraction of a second in groups of three digits as needed) written
   * directly for the years 0 to 9999, the others by {@code toString()}: the JDK's formatter builds a print context and
   * a builder per call, about a tenth of the journal writer's Java time per record.
   */
  public static String time(Instant t) {
    long seconds = t.getEpochSecond();
    if (seconds < YEAR_0 || seconds >= YEAR_10000) {
      return t.toString();
    }
    LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(seconds, 86_400));
    int year = day.getYear();
    int ofDay = (int) Math.floorMod(seconds, 86_400);
    int nano = t.getNano();
    int digits = nano == 0 ? 0 : nano % 1_000_000 == 0 ? 3 : nano % 1_000 == 0 ? 6 : 9;
    byte[] b = new byte[20 + (digits == 0 ? 0 : 1 + digits)];
    put(b, 0, year, 4);
    b[4] = '-';
    put(b, 5, day.getMonthValue(), 2);
    b[7] = '-';
    put(b, 8, day.getDayOfMonth(), 2);
    b[10] = 'T';
    put(b, 11, ofDay / 3600, 2);
    b[13] = ':';
    put(b, 14, ofDay / 60 % 60, 2);
    b[16] = ':';
    put(b, 17, ofDay % 60, 2);
    if (digits > 0) {
      b[19] = '.';
      put(b, 20, nano / (digits == 3 ? 1_000_000 : digits == 6 ? 1_000 : 1), digits);
    }
    b[b.length - 1] = 'Z';
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  private static void put(byte[] b, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      b[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
  }

  /** The artifacts' JSON text, as {@code artifacts.toJson().encode()} gives it. */
  public static String artifacts(ArtifactRefs artifacts) {
    return text(g -> artifacts(g, artifacts));
  }

  /** One part of a record written by the generator. */
  @FunctionalInterface
  private interface Part {
    void write(JsonGenerator g) throws IOException;
  }

  private static String text(Part part) {
    StringWriter out = new StringWriter(128);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      part.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** The fields in the order and form of {@link UsageRecord#toJson()}. */
  public static void write(JsonGenerator g, UsageRecord r) throws IOException {
    g.writeStartObject();
    g.writeStringField("request_id", r.requestId());
    g.writeStringField("time", time(r.time()));
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
      artifacts(g, r.artifacts());
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

  /** Kinds in their declared order, as {@link ArtifactRefs#toJson()} puts them. */
  private static void artifacts(JsonGenerator g, ArtifactRefs artifacts) throws IOException {
    g.writeStartObject();
    for (var e : artifacts.cids().entrySet()) {
      g.writeStringField(e.getKey().wireName(), e.getValue());
    }
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
