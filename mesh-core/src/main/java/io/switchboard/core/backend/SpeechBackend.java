package io.switchboard.core.backend;

import io.switchboard.api.SpeechRequest;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.buffer.Buffer;

/** A backend that speaks text. */
public interface SpeechBackend extends Backend {

  /** MIME type of the audio this request will produce (e.g. {@code audio/wav}). */
  String contentType(SpeechRequest request);

  /**
   * Audio bytes as they are produced; the trailer carries {@code {"characters":n}}. The first bytes should leave
   * as early as possible (sentence by sentence for long text).
   */
  ChunkPipe<Buffer> speak(SpeechRequest request, CallContext context);
}
