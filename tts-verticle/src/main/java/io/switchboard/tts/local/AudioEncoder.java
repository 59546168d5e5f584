package io.switchboard.tts.local;

import io.switchboard.core.audio.PcmAudio;

/**
 * Turns the engine's audio, one sentence at a time, into the bytes of the requested format and hands them to the
 * request's sink. {@link #write} and {@link #finish} block (resampling, ffmpeg): call them on a worker, in order.
 */
interface AudioEncoder {

  /** Gets ready without blocking (ffmpeg starts here, beside the first sentence's synthesis). */
  default void open() {
  }

  /** Encodes one sentence's audio; {@code last} is true for the final sentence. */
  void write(PcmAudio audio, boolean last);

  /** Waits until every byte has reached the sink (ffmpeg flushes its last frames here). */
  void finish(long timeoutMs);

  /** Drops the work after a failure or cancellation; safe from any thread and more than once. */
  void abort();
}
