package io.switchboard.core.backend;

import io.switchboard.api.TranscriptionRequest;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/** A backend that turns speech into text. */
public interface TranscriptionBackend extends Backend {

  /**
   * The verbose transcript: {@code {"text","language","duration","segments":[{"id","start","end","text"}]}}
   * ({@code segments} may be empty when the upstream gives none). Rendering to json/text/srt/vtt is the web
   * verticle's job.
   */
  Future<JsonObject> transcribe(TranscriptionRequest request, Buffer audio, CallContext context);
}
