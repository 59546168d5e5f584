package io.switchboard.llm.openai;

import io.switchboard.api.JsonText;
import io.switchboard.api.Usage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.DatabindCodec;
import org.junit.jupiter.api.Test;

import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * JsonText gives what Vert.x's default codec gives: the same values of the same types, the same failures, the same
 * bytes. Here, as on a node, jackson-databind is on the class path (Jlama's), so the default is Vert.x's databind codec
 * and the comparison is between the two codecs.
 */
class JsonTextTest {

  @Test
  void theDefaultCodecHereIsDatabinds() {
    assertInstanceOf(DatabindCodec.class, Json.CODEC);
  }

  private static final String[] VALID = {
    "{\"a\":1,\"b\":[1,2.5,1e400,12345678901234567890,\"x\",-9007199254740993],\"c\":{\"d\":null,\"e\":true}}",
    "[1,2,{\"k\":[]}]", "12", "-0.0", "\"s\\u00e9\\n\"", "{\"a\":1,\"a\":2}", "null", "true",
    "{\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"h\\u00e9 \\ud83d\\ude00\"}}],"
      + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":10,\"cost\":1.5e-7}}",
    " \n{ \"spaced\" : [ 1 , 2 ] }\n"};
  private static final String[] INVALID = {"{\"a\":1} x", "{\"a\":", "", "   ", "{a:1}", "[1,]", "{\"a\":1,}", "nul"};

  @Test
  void theSameValuesOfTheSameTypes() {
    for (String s : VALID) {
      Object expected = Json.decodeValue(Buffer.buffer(s));
      Object got = JsonText.value(Buffer.buffer(s));
      assertEquals(expected, got, s);
      assertEquals(Objects.toString(expected), Objects.toString(got), s);
      assertEquals(expected == null ? null : expected.getClass(), got == null ? null : got.getClass(), s);
      if (expected instanceof JsonObject e) {
        assertEquals(e, JsonText.object(s), s);
        assertEquals(new JsonObject(s).encode(), JsonText.object(s).encode(), s);
      }
    }
    JsonArray numbers = ((JsonObject) JsonText.value(Buffer.buffer(VALID[0]))).getJsonArray("b");
    assertInstanceOf(Integer.class, numbers.getValue(0));
    assertInstanceOf(Double.class, numbers.getValue(1));
    assertInstanceOf(java.math.BigInteger.class, numbers.getValue(3));
    assertInstanceOf(Long.class, numbers.getValue(5));
  }

  @Test
  void theSameBytes() {
    for (String s : VALID) {
      if (Json.decodeValue(Buffer.buffer(s)) instanceof JsonObject json) {
        assertEquals(json.toBuffer(), JsonText.bytes(json), s);
        assertEquals(json.encode(), JsonText.string(json), s);
      }
    }
    JsonObject built = new JsonObject().put("d", 0.1 + 0.2).put("f", 1.5f).put("l", Long.MIN_VALUE).put("big", new java.math.BigDecimal("1E+400"))
      .put("s", "tab\t \u2028 \"q\" é 😀").put("n", (Object) null).put("b", true)
      .put("bytes", new byte[]{1, 2, 3}).put("buffer", Buffer.buffer("xyz")).put("at", java.time.Instant.ofEpochSecond(1, 5))
      .put("list", java.util.List.of(1, "two", java.util.Map.of("k", 3))).put("arr", new JsonArray().add(new JsonObject()));
    assertEquals(built.toBuffer(), JsonText.bytes(built));
    assertEquals(built.encode(), JsonText.string(built));
    JsonObject pojo = new JsonObject().put("record", new Usage(1, 2));
    assertEquals(pojo.toBuffer(), JsonText.bytes(pojo), "a value only databind writes is written by databind");
    assertEquals(pojo.encode(), JsonText.string(pojo), "a value only databind writes is written by databind");
  }

  @Test
  void theTextIsWrittenIntoTheBufferOnce() {
    JsonObject answer = new JsonObject().put("content", "z".repeat(30_000));
    Buffer first = JsonText.bytes(answer);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    Buffer again = JsonText.bytes(answer);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertEquals(answer.toBuffer(), again);
    assertEquals(first, again);
    // the builder's blocks and the text's array, wrapped; the codec's toBuffer copied the array into a Netty buffer too
    assertTrue(allocated < again.length() * 5L / 2, allocated + " bytes allocated for " + again.length());
  }

  @Test
  void theSameFailures() {
    for (String s : INVALID) {
      assertThrows(DecodeException.class, () -> Json.decodeValue(Buffer.buffer(s)), s);
      assertThrows(DecodeException.class, () -> JsonText.value(Buffer.buffer(s)), s);
      assertThrows(DecodeException.class, () -> JsonText.object(s), s);
    }
    assertThrows(DecodeException.class, () -> JsonText.object("[1]"), "an array is not an object");
    assertThrows(DecodeException.class, () -> JsonText.object("7"));
  }
}
