package io.switchboard.core.cache;

import io.switchboard.api.ArtifactKind;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.EmbeddingRequest;
import io.switchboard.api.Privacy;
import io.switchboard.api.SpeechRequest;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.core.cid.CanonicalJson;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The canonicalisers: same answer, same key (defaults filled, order and number spelling ignored); different answer, different key. */
class CacheKeysTest {

  private static final CacheKeys SHARED = new CacheKeys(false);
  private static final CacheKeys.Asker CLOUD_K1 = new CacheKeys.Asker(Privacy.CLOUD, "k_1");
  private static final CacheKeys.Asker CLOUD_K2 = new CacheKeys.Asker(Privacy.CLOUD, "k_2");
  private static final CacheKeys.Asker LOCAL_K1 = new CacheKeys.Asker(Privacy.LOCAL, "k_1");
  private static final String AUDIO = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";

  private static ChatRequest chat(String json) {
    return ChatRequest.fromJson(new JsonObject(json));
  }

  @Test
  void canonicalJsonIgnoresOrderSpacingNumberSpellingAndNulls() {
    assertEquals("{\"a\":[1,0.5,0],\"b\":\"x\"}", new String(CanonicalJson.bytes(
      new JsonObject("{ \"b\": \"x\", \"a\": [1.0, 0.50, -0.0], \"c\": null }")), StandardCharsets.UTF_8));
    assertEquals("100", CanonicalJson.number(new BigDecimal("1E+2")));
    assertEquals("0.000001", CanonicalJson.number(1e-6));
  }

  @Test
  void canonicalStringsAndIntegersAreWrittenAsJacksonAndNumberWriteThem() {
    for (String v : new String[]{"", "plain ascii ~!@#$%^&*()_+{}|:<>?/", "quote \" here", "back\\slash", "tab\tnew\nline",
      "nul\u0000", "del\u007f", "é ü 中文 😀", "\u2028"}) {
      assertEquals("[" + io.vertx.core.json.Json.encode(v) + "]",
        new String(CanonicalJson.bytes(new io.vertx.core.json.JsonArray().add(v)), StandardCharsets.UTF_8), v);
      assertEquals("{" + io.vertx.core.json.Json.encode(v) + ":1}",
        new String(CanonicalJson.bytes(new JsonObject().put(v, 1)), StandardCharsets.UTF_8), v);
    }
    for (Number n : new Number[]{0, -0L, 7, -42, Integer.MAX_VALUE, Long.MIN_VALUE, (short) 10, (byte) -3, 100L}) {
      assertEquals(CanonicalJson.number(n), new String(CanonicalJson.bytes(new io.vertx.core.json.JsonArray().add(n)),
        StandardCharsets.UTF_8).replaceAll("^\\[|]$", ""), String.valueOf(n));
    }
  }

  @Test
  void canonicalJsonWritesWithOneBuilderAThreadAndTheSameBytesAfterALargeOrNonAsciiValue() {
    JsonObject answer = new JsonObject().put("id", "chatcmpl-1").put("content", "x".repeat(8_000));
    byte[] first = CanonicalJson.bytes(answer);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    byte[] again = CanonicalJson.bytes(answer);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertArrayEquals(first, again);
    // the answer's bytes and a few small objects: a builder of its own would grow (and copy) to twice its length
    assertTrue(allocated < first.length * 3 / 2, allocated + " bytes allocated for " + first.length);
    JsonObject large = new JsonObject().put("content", "y".repeat(40_000));
    assertEquals(40_014, CanonicalJson.bytes(large).length);
    assertEquals("{\"content\":\"é\"}", new String(CanonicalJson.bytes(new JsonObject().put("content", "é")), StandardCharsets.UTF_8));
    assertArrayEquals(first, CanonicalJson.bytes(answer));
  }

  @Test
  void chatIsKeyedOnlyWhenDeterministic() {
    assertNull(SHARED.chat(chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), null, CLOUD_K1));
    assertNull(SHARED.chat(chat("{\"model\":\"m\",\"temperature\":0.2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), null, CLOUD_K1));
    assertNotNull(SHARED.chat(chat("{\"model\":\"m\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), null, CLOUD_K1));
    assertNotNull(SHARED.chat(chat("{\"model\":\"m\",\"seed\":7,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), null, CLOUD_K1));
  }

  @Test
  void chatDefaultsAreFilledAndNoiseIsIgnored() {
    CacheKey plain = SHARED.chat(chat("{\"model\":\"light\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
      "gpt-4o-mini", CLOUD_K1);
    CacheKey spelledOut = SHARED.chat(chat("{\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],\"temperature\":0.0,\"top_p\":1,"
      + "\"n\":1,\"presence_penalty\":0,\"frequency_penalty\":0.0,\"user\":\"alice\",\"metadata\":{\"x\":1},\"cache\":true,"
      + "\"strategy\":\"cost\",\"model\":\"gpt-4o-mini\"}"), "gpt-4o-mini", CLOUD_K2);
    assertEquals(plain, spelledOut);
    assertEquals(plain.id(), spelledOut.id());
    assertTrue(plain.id().startsWith("bafkrei"), "a raw-leaf CIDv1: " + plain.id());
  }

  @Test
  void whatChangesTheAnswerChangesTheKey() {
    String base = "{\"model\":\"m\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    CacheKey key = SHARED.chat(chat(base + "}"), "m", CLOUD_K1);
    assertNotEquals(key, SHARED.chat(chat(base + "}"), "m", LOCAL_K1), "privacy ceiling");
    assertNotEquals(key, SHARED.chat(chat(base + ",\"provider\":\"openai\"}"), "m", CLOUD_K1), "forced provider");
    assertNotEquals(key, SHARED.chat(chat(base + ",\"stream\":true}"), "m", CLOUD_K1), "stream");
    assertNotEquals(key, SHARED.chat(chat(base + ",\"max_tokens\":5}"), "m", CLOUD_K1), "max_tokens");
    assertEquals(SHARED.chat(chat(base + ",\"max_tokens\":5}"), "m", CLOUD_K1),
      SHARED.chat(chat(base + ",\"max_completion_tokens\":5}"), "m", CLOUD_K1), "either name of the same limit");
    assertNotEquals(key, SHARED.chat(chat(base + ",\"stop\":\"x\"}"), "m", CLOUD_K1), "stop");
    assertNotEquals(key, SHARED.chat(chat(base + ",\"n\":2}"), "m", CLOUD_K1), "n");
    assertNotEquals(key, SHARED.chat(chat(base + ",\"tools\":[]}"), "m", CLOUD_K1), "tools");
    assertNotEquals(key, SHARED.chat(chat(base + "}"), "other-model", CLOUD_K1), "resolved model");
  }

  @Test
  void scopedByKeyNoTwoKeysShare() {
    CacheKeys scoped = new CacheKeys(true);
    ChatRequest r = chat("{\"model\":\"m\",\"seed\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertNotEquals(scoped.chat(r, null, CLOUD_K1), scoped.chat(r, null, CLOUD_K2));
    assertEquals(SHARED.chat(r, null, CLOUD_K1), SHARED.chat(r, null, CLOUD_K2));
  }

  @Test
  void transcriptionNamesItsAudioAndIgnoresTheRendering() {
    TranscriptionRequest json = TranscriptionRequest.fromJson(new JsonObject().put("model", "whisper-1").put("response_format", "json")
      .put("filename", "a.wav"));
    TranscriptionRequest srt = TranscriptionRequest.fromJson(new JsonObject().put("model", "whisper-1").put("response_format", "srt")
      .put("temperature", 0).put("filename", "b.wav"));
    CacheKey key = SHARED.transcription(json, AUDIO, null, CLOUD_K1);
    assertEquals(key, SHARED.transcription(srt, AUDIO, null, CLOUD_K1));
    assertEquals(AUDIO, key.inputs().cids().get(ArtifactKind.AUDIO_IN));
    assertNotEquals(key, SHARED.transcription(json, "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e", null, CLOUD_K1));
    assertNotEquals(key, SHARED.transcription(TranscriptionRequest.fromJson(new JsonObject().put("model", "whisper-1")
      .put("language", "de")), AUDIO, null, CLOUD_K1), "language");
  }

  @Test
  void embeddingsAndSpeechDefaults() {
    assertEquals(SHARED.embeddings(EmbeddingRequest.fromJson(new JsonObject("{\"model\":\"e\",\"input\":\"x\"}")), null, CLOUD_K1),
      SHARED.embeddings(EmbeddingRequest.fromJson(new JsonObject("{\"model\":\"e\",\"input\":[\"x\"],\"encoding_format\":\"float\"}")), null, CLOUD_K1));
    assertNotEquals(SHARED.embeddings(EmbeddingRequest.fromJson(new JsonObject("{\"model\":\"e\",\"input\":\"x\"}")), null, CLOUD_K1),
      SHARED.embeddings(EmbeddingRequest.fromJson(new JsonObject("{\"model\":\"e\",\"input\":\"x\",\"dimensions\":8}")), null, CLOUD_K1));
    assertEquals(SHARED.speech(SpeechRequest.fromJson(new JsonObject("{\"model\":\"tts-1\",\"input\":\"Hi.\"}")), null, CLOUD_K1),
      SHARED.speech(SpeechRequest.fromJson(new JsonObject("{\"model\":\"tts-1\",\"input\":\"Hi.\",\"response_format\":\"mp3\",\"speed\":1.0}")), null, CLOUD_K1));
    assertNotEquals(SHARED.speech(SpeechRequest.fromJson(new JsonObject("{\"model\":\"tts-1\",\"input\":\"Hi.\"}")), null, CLOUD_K1),
      SHARED.speech(SpeechRequest.fromJson(new JsonObject("{\"model\":\"tts-1\",\"input\":\"Hi.\",\"voice\":\"echo\"}")), null, CLOUD_K1));
  }
}
