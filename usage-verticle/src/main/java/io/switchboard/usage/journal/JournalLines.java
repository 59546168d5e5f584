package io.switchboard.usage.journal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.switchboard.api.UsageRecord;
import io.switchboard.usage.RecordJson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * The bytes of one journal write: records as JSON lines, the same JSON as {@link UsageRecord#toJson()} (the cursor
 * reads them back with {@link UsageRecord#fromJson}), written by {@link RecordJson} with no {@code JsonObject} built.
 * One instance per thread that writes, reused from write to write.
 */
final class JournalLines {

  private final ByteArrayBuilder bytes;
  private JsonGenerator gen;
  private int lines;

  JournalLines() {
    this(64 * 1024);
  }

  /** {@code initialBytes}: the buffer's first block (it grows beyond when a write needs more). */
  JournalLines(int initialBytes) {
    bytes = new ByteArrayBuilder(initialBytes);
  }

  /** Starts the next write's lines (what the last one held is dropped). */
  void begin() {
    bytes.reset();
    lines = 0;
    try {
      gen = RecordJson.FACTORY.createGenerator(bytes, JsonEncoding.UTF8);
      gen.setRootValueSeparator(null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A record's line, from its fields. */
  void add(UsageRecord r) {
    try {
      RecordJson.write(gen, r);
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

  /** {@link #finish}, without a copy when the lines fit the first block: valid until the next {@link #begin}. */
  ByteBuffer finishBuffer() {
    try {
      gen.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int n = bytes.getCurrentSegmentLength();
    return n == bytes.size() ? ByteBuffer.wrap(bytes.getCurrentSegment(), 0, n) : ByteBuffer.wrap(bytes.toByteArray());
  }
}
