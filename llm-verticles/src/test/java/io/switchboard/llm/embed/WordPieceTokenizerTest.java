package io.switchboard.llm.embed;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Our WordPiece tokenizer against Hugging Face's own (the Rust one, through DJL) on the tokenizer.json shipped with the model. */
class WordPieceTokenizerTest {

  static WordPieceTokenizer ours;
  static HuggingFaceTokenizer reference;

  @BeforeAll
  static void load() throws Exception {
    try (InputStream in = WordPieceTokenizerTest.class.getClassLoader().getResourceAsStream(EmbeddingSettings.BUNDLED_TOKENIZER)) {
      ours = WordPieceTokenizer.fromJson(new JsonObject(Buffer.buffer(in.readAllBytes())));
    }
    try (InputStream in = WordPieceTokenizerTest.class.getClassLoader().getResourceAsStream(EmbeddingSettings.BUNDLED_TOKENIZER)) {
      reference = HuggingFaceTokenizer.newInstance(in, Map.of("padding", "false", "truncation", "false"));
    }
  }

  @AfterAll
  static void close() {
    reference.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "Crème brûlée at the Café Éclair — naïve façade, Ångström.",
    "unbelievably antidisestablishmentarianism tokenization",
    "北京是中国的首都。東京タワー 서울",
    "emoji 🙂🚀 and symbols $5 + 3 = <8> ^_^ ~tilde~ `code` |pipe|",
    "tabs\tand\nnewlines\r\nand\u00a0nbsp\u2003em-space",
    "control\u0000chars\u200bzero\u0007width\ufffd",
    "[CLS] a masked [MASK] word [SEP] and [unk]",
    "don't stop-believing; it's 3.14159 o'clock",
    "Straße İstanbul ΣΊΣΥΦΟΣ",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa long",
    "   ",
  })
  void sameIdsAsHuggingFace(String text) {
    Encoding ref = reference.encode(text);
    assertArrayEquals(ref.getIds(), ours.encode(text, 100_000).ids(), text);
  }

  @Test
  void sameIdsAsHuggingFaceOnRandomMixedScriptText() {
    // Blocks whose characters are all old: the reference's Unicode tables predate recent additions (e.g. U+061D,
    // punctuation since Unicode 14, is a letter-like unknown to it), and those few characters may split differently.
    java.util.SplittableRandom random = new java.util.SplittableRandom(42);
    int[][] ranges = {{0x20, 0x7E}, {0x20, 0x7E}, {0x20, 0x7E}, {0xA0, 0x17F}, {0x370, 0x3FF}, {0x400, 0x4FF}, {0x621, 0x63A},
      {0x900, 0x97F}, {0x3040, 0x30FF}, {0x4E00, 0x4FFF}, {0xAC00, 0xAD00}, {0x2000, 0x206F}, {0x1F300, 0x1F64F}, {0x0, 0x1F}};
    for (int n = 0; n < 300; n++) {
      StringBuilder sb = new StringBuilder();
      int len = 1 + random.nextInt(40);
      for (int i = 0; i < len; i++) {
        int[] r = ranges[random.nextInt(ranges.length)];
        sb.appendCodePoint(r[0] + random.nextInt(r[1] - r[0] + 1));
      }
      String text = sb.toString();
      assertArrayEquals(reference.encode(text).getIds(), ours.encode(text, 100_000).ids(), text);
    }
  }

  @Test
  void longInputsAreTruncatedToMaxLengthKeepingTheFrame() {
    String text = "word ".repeat(400);
    WordPieceTokenizer.Encoding e = ours.encode(text, 256);
    assertEquals(256, e.ids().length);
    assertTrue(e.truncated());
    assertEquals(101, e.ids()[0]);
    assertEquals(102, e.ids()[255]);
    assertFalse(ours.encode("short", 256).truncated());
  }
}
