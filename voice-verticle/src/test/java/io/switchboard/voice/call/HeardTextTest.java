package io.switchboard.voice.call;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HeardTextTest {

  @Test
  void prefixKeepsWholeWordsOnly() {
    String text = "The train leaves at noon.";
    assertEquals("", HeardText.prefix(text, 0.1));
    assertEquals("The train", HeardText.prefix(text, 0.45));
    assertEquals("The train leaves at", HeardText.prefix(text, 0.9));
    assertEquals(text, HeardText.prefix(text, 1.0));
  }

  @Test
  void whisperTagsAreNotWords() {
    assertEquals("", Transcriber.clean(" [BLANK_AUDIO] "));
    assertEquals("yes please", Transcriber.clean("(coughs) yes [MUSIC] please"));
  }
}
