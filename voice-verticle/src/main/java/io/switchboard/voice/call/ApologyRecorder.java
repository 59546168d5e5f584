package io.switchboard.voice.call;

import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.voice.audio.OutputFormat;
import io.switchboard.voice.audio.SpeechAudio;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * Has the speech stage speak the conf's apology once, into bytes of the call's output format rather than into the
 * playout, so that the node can still say it when no speech backend is left (see {@link ApologyAudio}). Like every
 * piece, it falls back to PCM at 24 kHz when the call's own format is refused.
 */
final class ApologyRecorder {

  private ApologyRecorder() {
  }

  static Future<byte[]> record(CallScope scope) {
    OutputFormat source = scope.formats().current();
    return attempt(scope, source).recover(e -> scope.formats().fallBackOn(e, source) ? attempt(scope, scope.formats().current())
      : Future.failedFuture(e));
  }

  private static Future<byte[]> attempt(CallScope scope, OutputFormat source) {
    CallOptions o = scope.options();
    JsonObject body = o.hints(new JsonObject().put("model", o.speechModel()).put("input", o.apology())
      .put("response_format", source.responseFormat()).put("sample_rate", source.sampleRate()));
    if (o.voice() != null) {
      body.put("voice", o.voice());
    }
    scope.ledger().requested("speech");
    SpeechAudio convert = new SpeechAudio(source, scope.playout().format());
    Buffer out = Buffer.buffer();
    Promise<byte[]> done = Promise.promise();
    scope.stages().speech(scope.stages().requestId(0, "speech"), body).onComplete(ar -> {
      if (ar.failed()) {
        scope.ledger().failed("speech", null);
        done.fail(MeshException.from(ar.cause()));
        return;
      }
      String backend = ar.result().headers().get(Headers.BACKEND);
      PulledStream s = new PulledStream(ar.result(), scope.stages().timeoutMs(), b -> {
        if (b instanceof Buffer chunk) {
          out.appendBytes(convert.push(chunk.getBytes()));
        }
      }).start();
      s.done().onComplete(end -> {
        if (end.failed()) {
          scope.ledger().failed("speech", backend);
          done.fail(end.cause());
          return;
        }
        if (end.result() instanceof JsonObject j && j.getValue("audio") != null) {
          out.appendBytes(convert.push(j.getBuffer("audio").getBytes()));
        }
        out.appendBytes(convert.flush());
        scope.ledger().spoke(backend, o.speechModel(), o.apology(), PulledStream.cacheHit(end.result()));
        done.complete(out.getBytes());
      });
    });
    return done.future();
  }
}
