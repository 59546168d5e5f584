package io.switchboard.voice.call;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.voice.audio.OutputFormat;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When a call gives up its own audio format for PCM at 24 kHz, and which failed requests are asked again. */
class SpeechFormatsTest {

  private static final OutputFormat PCM16 = OutputFormat.pcm(16_000);
  /** The router found no backend: every speech backend the call may use makes PCM at 24 kHz only (OpenAI's API). */
  private static final MeshException NONE_MAKES_IT = new MeshException(ErrorCode.UNAVAILABLE, "no healthy backend");

  private static SpeechFormats formats() {
    return new SpeechFormats(PCM16, f -> !f.equals(SpeechFormats.FALLBACK));
  }

  @Test
  void aRefusalOfTheCallsFormatSwitchesTheCallAndAsksAgain() {
    SpeechFormats formats = formats();
    assertTrue(formats.fallBackOn(NONE_MAKES_IT, PCM16));
    assertEquals(SpeechFormats.FALLBACK, formats.current());
  }

  @Test
  void twoRequestsInFlightInTheOldFormatAreBothAskedAgain() {
    // The greeting and the apology's recording both leave at the start of a call, in its own format; the first refusal
    // switches the call, and the second must be asked again too, not given up (the greeting was lost that way).
    SpeechFormats formats = formats();
    OutputFormat greeting = formats.current();
    OutputFormat apology = formats.current();
    assertTrue(formats.fallBackOn(NONE_MAKES_IT, apology));
    assertTrue(formats.fallBackOn(NONE_MAKES_IT, greeting), "the request that left before the switch");
    assertEquals(SpeechFormats.FALLBACK, formats.current());
  }

  @Test
  void theFallbackRefusedOrAnotherFailureIsNotAskedAgain() {
    SpeechFormats formats = formats();
    assertFalse(formats.fallBackOn(new MeshException(ErrorCode.UPSTREAM, "upstream failed"), PCM16));
    assertEquals(PCM16, formats.current(), "a failure that is not about the format changes nothing");
    assertTrue(formats.fallBackOn(new MeshException(ErrorCode.UNSUPPORTED_MEDIA, "no pcm at 16 kHz"), PCM16));
    assertFalse(formats.fallBackOn(NONE_MAKES_IT, SpeechFormats.FALLBACK), "nothing after the fallback");
  }
}
