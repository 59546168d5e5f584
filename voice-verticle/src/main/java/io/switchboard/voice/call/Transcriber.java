package io.switchboard.voice.call;

import io.switchboard.api.CacheStatus;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.StreamProtocol;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The transcription stage: an utterance's 16 kHz audio to {@code switchboard.transcribe} (local Whisper by default,
 * whatever the router picks under the call's policy), the text back. An empty or noise-only transcript is an empty
 * string. On the call's context only.
 */
final class Transcriber {

  /** What came back: the text and the backend that served. */
  record Transcript(String text, String backend) {
  }

  private final CallScope scope;

  Transcriber(CallScope scope) {
    this.scope = scope;
  }

  Future<Transcript> transcribe(int turn, float[] audio16k) {
    CallOptions o = scope.options();
    // A caller's live utterance never comes again: the exact cache could only look it up in vain and keep the call's
    // words in the shared cache, so the stage skips it (no lookup on the way, nothing stored after).
    JsonObject params = o.hints(new JsonObject().put("model", o.transcribeModel()).put(CacheStatus.REQUEST_FIELD, false));
    if (o.language() != null) {
      params.put("language", o.language());
    }
    scope.ledger().requested("transcribe");
    double seconds = audio16k.length / 16_000.0;
    return scope.stages().transcribe(scope.stages().requestId(turn, "transcribe"), audio16k, params)
      .map(reply -> {
        JsonObject body = reply.body() instanceof JsonObject j ? j : new JsonObject();
        String backend = reply.headers().get(Headers.BACKEND);
        if (backend == null) {
          backend = body.getJsonObject(StreamProtocol.ROUTE, new JsonObject()).getString("backend");
        }
        scope.ledger().served("transcribe", backend, o.transcribeModel(), 0, 0, seconds, 0);
        return new Transcript(clean(body.getString("text", "")), backend);
      })
      .onFailure(e -> scope.ledger().failed("transcribe", null))
      .recover(e -> Future.failedFuture(MeshException.from(e)));
  }

  /** Whisper writes non-speech as bracketed tags ({@code [BLANK_AUDIO]}, {@code (coughs)}): they are not words. */
  static String clean(String text) {
    return text.replaceAll("\\[[^\\]]*]|\\([^)]*\\)", " ").replaceAll("\\s+", " ").strip();
  }
}
