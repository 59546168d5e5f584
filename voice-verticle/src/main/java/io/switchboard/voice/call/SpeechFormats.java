package io.switchboard.voice.call;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.voice.audio.OutputFormat;

import java.util.function.Predicate;

/**
 * Which audio a call asks the speech stage for: its own output format first (μ-law 8 kHz for Twilio, PCM at the
 * client's rate), which passes through untouched; once that is refused (OpenAI's speech API makes PCM at 24 kHz
 * only), PCM at 24 kHz for the rest of the call, converted here. Refused means: a backend answered that it cannot
 * make the format, or the router found no backend (it leaves out those that cannot make it) while the registry shows
 * that every speech backend the call may use cannot. On the call's context only.
 */
final class SpeechFormats {

  static final OutputFormat FALLBACK = OutputFormat.pcm(24_000);

  private final OutputFormat target;
  private final Predicate<OutputFormat> nobodyMakes;
  private OutputFormat current;

  /** @param nobodyMakes whether, as far as the registry shows, no speech backend the call may use makes a format */
  SpeechFormats(OutputFormat target, Predicate<OutputFormat> nobodyMakes) {
    this.target = target;
    this.nobodyMakes = nobodyMakes;
    this.current = target;
  }

  OutputFormat target() {
    return target;
  }

  OutputFormat current() {
    return current;
  }

  /**
   * True (and from now on asks for the fallback) when {@code e}, the failure of a request made in {@code asked}, is a
   * refusal of that format: the request is then to be made again in {@link #current()}. A request that left in the
   * call's own format before another request's refusal switched the call (the greeting beside the apology's recording,
   * both sent at the start) is answered true too, or it would be lost.
   */
  boolean fallBackOn(Throwable e, OutputFormat asked) {
    if (asked.equals(FALLBACK) || !(e instanceof MeshException m)) {
      return false;
    }
    boolean refusal = m.errorCode() == ErrorCode.UNSUPPORTED_MEDIA
      || m.errorCode() == ErrorCode.INVALID_REQUEST && ("response_format".equals(m.param()) || "sample_rate".equals(m.param()))
      || m.errorCode() == ErrorCode.UNAVAILABLE && nobodyMakes.test(asked) && !nobodyMakes.test(FALLBACK);
    if (refusal) {
      current = FALLBACK;
    }
    return refusal;
  }
}
