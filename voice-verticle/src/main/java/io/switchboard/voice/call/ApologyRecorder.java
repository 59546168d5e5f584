package io.switchboard.voice.call;

import io.switchboard.voice.audio.OutputFormat;
import io.switchboard.voice.audio.SpeechAudio;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * Has the speech stage speak the conf's apology once, into bytes of the call's output format rather than into the
 * playout, so that the node can still say it when no speech backend is left (see {@link ApologyAudio}).
 */
final class ApologyRecorder {

  private ApologyRecorder() {
  }

  static Future<byte[]> record(CallScope scope, int turn) {
    CallOptions o = scope.options();
    OutputFormat target = scope.playout().format();
    OutputFormat source = scope.formats().current();
    JsonObject body = o.hints(new JsonObject().put("model", o.speechModel()).put("input", o.apology())
      .put("response_format", source.responseFormat()).put("sample_rate", source.sampleRate()));
    if (o.voice() != null) {
      body.put("voice", o.voice());
    }
    scope.ledger().requested("speech");
    SpeechAudio convert = new SpeechAudio(source, target);
    Buffer out = Buffer.buffer();
    Promise<byte[]> done = Promise.promise();
    scope.stages().speech(scope.stages().requestId(turn, "speech"), body).onComplete(ar -> {
      if (ar.failed()) {
        scope.ledger().failed("speech");
        done.fail(ar.cause());
        return;
      }
      String backend = ar.result().headers().get(io.switchboard.api.Headers.BACKEND);
      PulledStream s = new PulledStream(ar.result(), scope.stages().timeoutMs(), b -> {
        if (b instanceof Buffer chunk) {
          out.appendBytes(convert.push(chunk.getBytes()));
        }
      }).start();
      s.done().onComplete(end -> {
        if (end.failed()) {
          scope.ledger().failed("speech");
          done.fail(end.cause());
          return;
        }
        if (end.result() instanceof JsonObject j && j.getValue("audio") != null) {
          out.appendBytes(convert.push(j.getBuffer("audio").getBytes()));
        }
        out.appendBytes(convert.flush());
        long chars = o.apology().length();
        scope.ledger().served("speech", backend, scope.view().privacyOf(backend),
          CallLedger.cost(scope.view().prices(backend, o.speechModel()), 0, 0, 0, chars));
        done.complete(out.getBytes());
      });
    });
    return done.future();
  }
}
