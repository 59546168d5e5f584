package io.switchboard.llm.jlama;

import com.github.tjake.jlama.model.llama.LlamaTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Byte-exact text through Jlama's byte-level BPE tokenizer, both ways, with characters split across tokens. */
class TokenTextTest {

  @TempDir
  static Path dir;
  static LlamaTokenizer tokenizer;
  static TokenText text;

  @BeforeAll
  static void load() throws Exception {
    TinyLlama.write(dir);
    tokenizer = new LlamaTokenizer(dir);
    text = new TokenText(tokenizer.getModel());
  }

  private static String roundTrip(String s) {
    long[] ids = tokenizer.encode(text.prepareForEncoding(s));
    TokenText.Decoder d = text.decoder();
    StringBuilder out = new StringBuilder();
    for (long id : ids) {
      out.append(d.next(id));
    }
    return out.toString();
  }

  @ParameterizedTest
  @ValueSource(strings = {"plain ascii, the end", "café crème brûlée", "漢字とかな", "emoji 🙂🚀 mixed ✓", "tabs\tand\nnewlines"})
  void textSurvivesEncodingAndStreamingDecoding(String s) {
    assertEquals(s, roundTrip(s));
  }

  @Test
  void aSplitCharacterIsHeldUntilComplete() {
    long[] ids = tokenizer.encode(text.prepareForEncoding("é"));
    assertEquals(2, ids.length, "é is two UTF-8 bytes, one token each");
    TokenText.Decoder d = text.decoder();
    assertEquals("", d.next(ids[0]));
    assertEquals("é", d.next(ids[1]));
  }

  @Test
  void mergesAndSpecialTokens() {
    long[] ids = tokenizer.encode(text.prepareForEncoding(" the"));
    assertEquals(1, ids.length, "Ġthe is one merged token");
    TokenText.Decoder d = text.decoder();
    assertEquals(" the", d.next(ids[0]));
    assertEquals("", d.next(TinyLlama.id(TinyLlama.EOT)), "special tokens are not text");
    assertTrue(text.bytes(99_999).length == 0, "an id outside the vocabulary is no text");
  }
}
