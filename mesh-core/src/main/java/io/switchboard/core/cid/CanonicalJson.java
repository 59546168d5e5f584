package io.switchboard.core.cid;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One byte sequence per JSON value, so that equal values hash equal (the exact cache's request keys, the CIDs of JSON
 * answers: transcripts, chat and embeddings answers): object keys sorted (by UTF-16 code units, as
 * RFC 8785 does), no whitespace, numbers in their shortest exact decimal form ({@code 0}, {@code 0.0} and
 * {@code 0E1} are all {@code 0}; {@code 1.50} is {@code 1.5}), strings escaped as Jackson escapes them. Null members
 * are dropped: an absent field and a null one mean the same to every OpenAI-shaped API.
 */
public final class CanonicalJson {

  private CanonicalJson() {
  }

  /**
   * Each thread's builder, kept between calls: a chat answer's CID and its request's cache key are written on every
   * request, and a fresh builder grew (and copied) its array two or three times each (docs/benchmarks.md, issue 15's
   * thirteenth stop). One grown past {@link #KEPT_CHARS} is not kept, so a large answer does not stay in memory.
   */
  private static final ThreadLocal<StringBuilder> BUILDER = ThreadLocal.withInitial(() -> new StringBuilder(1024));
  private static final int KEPT_CHARS = 16 * 1024;

  public static byte[] bytes(Object value) {
    StringBuilder sb = BUILDER.get();
    sb.setLength(0);
    write(sb, value);
    byte[] ascii = ascii(sb);
    if (ascii != null && sb.capacity() <= KEPT_CHARS) {
      return ascii;
    }
    BUILDER.remove(); // a grown builder is let go, and so is one that held other characters (two bytes a char from then on)
    return ascii != null ? ascii : sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Mostly ASCII (keys, ids, numbers; text escaped by Jackson): its bytes are its chars, with no String in between. */
  private static byte[] ascii(StringBuilder sb) {
    int n = sb.length();
    byte[] out = new byte[n];
    for (int i = 0; i < n; i++) {
      char c = sb.charAt(i);
      if (c >= 0x80) {
        return null;
      }
      out[i] = (byte) c;
    }
    return out;
  }

  private static void write(StringBuilder sb, Object value) {
    if (value == null) {
      sb.append("null");
    } else if (value instanceof JsonObject o) {
      writeObject(sb, o.getMap());
    } else if (value instanceof Map<?, ?> m) {
      writeObject(sb, m);
    } else if (value instanceof JsonArray a) {
      writeArray(sb, a.getList());
    } else if (value instanceof List<?> l) {
      writeArray(sb, l);
    } else if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
      sb.append(((Number) value).longValue()); // what number() gives an integer, without a BigDecimal
    } else if (value instanceof Number n) {
      sb.append(number(n));
    } else if (value instanceof Boolean b) {
      sb.append(b);
    } else if (value instanceof CharSequence s) {
      string(sb, s.toString());
    } else {
      sb.append(Json.encode(value)); // Buffer, byte[], Instant: as Vert.x writes them
    }
  }

  private static void writeObject(StringBuilder sb, Map<?, ?> map) {
    String[] keys = new String[map.size()];
    int n = 0;
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (e.getValue() != null) {
        keys[n++] = String.valueOf(e.getKey());
      }
    }
    Arrays.sort(keys, 0, n);
    sb.append('{');
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        sb.append(',');
      }
      string(sb, keys[i]);
      sb.append(':');
      write(sb, map.get(keys[i]));
    }
    sb.append('}');
  }

  private static void writeArray(StringBuilder sb, List<?> list) {
    sb.append('[');
    for (int i = 0; i < list.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      write(sb, list.get(i));
    }
    sb.append(']');
  }

  /**
   * A string as Jackson writes it: printable ASCII other than {@code "} and {@code \\} as it is (every key and most
   * values; a cache key's JSON is rebuilt on every request, and a call into Jackson per string was most of its cost),
   * anything else through Jackson, so the bytes stay the same whatever the string holds.
   */
  private static void string(StringBuilder sb, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        sb.append(Json.encode(s));
        return;
      }
    }
    sb.append('"').append(s).append('"');
  }

  public static String number(Number n) {
    if (n instanceof Double d && (d.isNaN() || d.isInfinite()) || n instanceof Float f && (f.isNaN() || f.isInfinite())) {
      throw new IllegalArgumentException("not a JSON number: " + n);
    }
    BigDecimal b = n instanceof BigDecimal bd ? bd : new BigDecimal(n.toString());
    if (b.signum() == 0) {
      return "0";
    }
    return b.stripTrailingZeros().toPlainString();
  }
}
