package io.switchboard.usage.journal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.switchboard.api.ArtifactRefs;
import io.switchboard.api.CacheStatus;
import io.switchboard.api.RouteInfo;
import io.switchboard.api.UsageRecord;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The bytes of one journal write: records as JSON lines, the same JSON as {@link UsageRecord#toJson()} (the cursor
 * reads them back with {@link UsageRecord#fromJson}), written straight from the record's fields by Jackson's streaming
 * generator: no {@code JsonObject} is built and no data binding runs, which took most of the writer's time per record.
 * Rare nested parts (a call's usage, artifact CIDs) go through their own {@code toJson()}. One instance per writer
 * thread, reused from write to write.
 */
final class JournalLines {

  private static final JsonFactory FACTORY = new JsonFactory();

  private final ByteArrayBuilder bytes = new ByteArrayBuilder(64 * 1024);
  private JsonGenerator gen;
  private int lines;

  /** Starts the next write's lines (what the last one held is dropped). */
  void begin() {
    bytes.reset();
    lines = 0;
    try {
      gen = FACTORY.createGenerator(bytes, JsonEncoding.UTF8);
      gen.setRootValueSeparator(null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A record's line, from its fields. */
  void add(UsageRecord r) {
    try {
      write(gen, r);
      gen.writeRaw('\n');
      lines++;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A line already encoded (JSON text without line ends: JSON escapes them inside strings). */
  void addEncoded(String json) {
    try {
      gen.writeRaw(json);
      gen.writeRaw('\n');
      lines++;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int lines() {
    return lines;
  }

  /** The lines so far, each ended by a newline. */
  byte[] finish() {
    try {
      gen.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** The fields in the order and form of {@link UsageRecord#toJson()}. */
  static void write(JsonGenerator g, UsageRecord r) throws IOException {
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
    g.writeObjectFieldStart("route");
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
