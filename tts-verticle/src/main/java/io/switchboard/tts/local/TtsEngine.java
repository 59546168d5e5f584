package io.switchboard.tts.local;

import io.switchboard.core.audio.PcmAudio;

import java.nio.file.Path;
import java.util.Map;

/**
 * A speech synthesizer run as a local process. Every method but the accessors blocks: call them on a worker.
 * An engine renders one piece of text at a time; streaming is the caller's business (sentence by sentence).
 */
interface TtsEngine {

  /** The engine's name, also the model name the backend announces ({@code flite}, {@code espeak-ng}). */
  String name();

  /** The executable this engine runs. */
  Path binary();

  /** How to install the engine on Debian, for "not installed" reasons. */
  default String installHint() {
    return installHint(name());
  }

  /** How to install the engine {@code name} on Debian: each engine's package is named like it. */
  static String installHint(String name) {
    return "apt-get install " + name;
  }

  /** The voice used when a request names none and conf sets none. */
  String defaultVoice();

  /** OpenAI voice names (alloy, echo, ...) to this engine's voices, used unless conf gives {@code voice_map}. */
  Map<String, String> defaultVoiceMap();

  /** Asks the engine which voices it has. */
  VoiceCatalog discoverVoices(long timeoutMs);

  /**
   * Renders {@code text} with {@code voice} (a name from {@link #discoverVoices}) at {@code speed} (1 = normal).
   *
   * @throws io.switchboard.api.MeshException TIMEOUT, CANCELLED, or INTERNAL when the engine fails
   */
  PcmAudio synthesize(String text, String voice, double speed, long timeoutMs, Cancellation cancellation);
}
