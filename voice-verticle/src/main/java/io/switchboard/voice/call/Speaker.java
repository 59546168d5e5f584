package io.switchboard.voice.call;

import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.stream.BusStreams;
import io.switchboard.voice.audio.OutputFormat;
import io.switchboard.voice.audio.Playout;
import io.switchboard.voice.audio.SpeechAudio;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * The speech stage of one answer: each piece of text, in order, to {@code switchboard.speech} as a stream in the
 * call's output format, its audio into the playout as it arrives (one segment, with its mark, per piece). A piece's
 * speech starts when the one before has finished arriving (speech is produced faster than it plays, so the pieces
 * still play back to back); while more than two seconds of audio wait to be sent the stream is paused, so a
 * barge-in leaves little generated for nothing.
 *
 * <p>Failures: a refusal of the format switches the call to PCM at 24 kHz, converted here; a stream cut after its
 * first audio speaks the piece again, from its start, on the next backend the registry offers (the router fails
 * over by itself only before the first byte); a piece no backend can speak, or an answer {@link #apologize}d for,
 * ends with the conf's spoken apology and nothing after it. On the call's context only.
 */
final class Speaker {

  private static final long PAUSE_ABOVE_MS = 2000;
  private static final long RESUME_BELOW_MS = 1000;

  private final CallScope scope;
  private final TurnMetrics metrics;
  private final HeardText heard;
  private final String tag;
  private final ArrayDeque<String> pieces = new ArrayDeque<>();
  private final Set<String> failedBackends = new HashSet<>();
  private final Promise<Void> done = Promise.promise();
  private PulledStream current;
  private String provider;
  private boolean busy;
  private boolean finishing;
  private boolean apologyDue;
  private String apologyReason;
  private boolean stopped;
  private int count;

  /**
   * @param metrics the turn's metrics (its speech moments are filled in), or null (the greeting)
   * @param tag     prefix of the segments' (marks') names, unique in the call: {@code t3}
   */
  Speaker(CallScope scope, TurnMetrics metrics, HeardText heard, String tag) {
    this.scope = scope;
    this.metrics = metrics;
    this.heard = heard;
    this.tag = tag;
  }

  /** Speaks {@code text} after the pieces before it. */
  void say(String text) {
    if (stopped || apologyDue) {
      return;
    }
    pieces.add(text);
    next();
  }

  /** No more pieces will come: {@link #done} completes once the last one has arrived whole. */
  void finish() {
    finishing = true;
    next();
  }

  /**
   * Drops what is not spoken yet and says the apology once the current piece has arrived; {@code reason} (which stage
   * failed, and how) goes to the client as an {@code error} event where the protocol has events.
   */
  void apologize(String reason) {
    if (stopped || apologyDue) {
      return;
    }
    apologyDue = true;
    apologyReason = reason;
    pieces.clear();
    next();
  }

  /** Stops at once (barge-in, end of call): the stream in flight is cancelled, the backend told. */
  void cancel() {
    stopped = true;
    pieces.clear();
    if (current != null) {
      current.cancel();
    }
    done.tryComplete();
  }

  /** Completes when every piece (and any apology) has been handed to the playout, or on {@link #cancel}. */
  Future<Void> done() {
    return done.future();
  }

  private void next() {
    if (busy || stopped) {
      return;
    }
    if (apologyDue) {
      playApology();
      return;
    }
    String text = pieces.poll();
    if (text != null) {
      speak(text);
    } else if (finishing) {
      done.tryComplete();
    }
  }

  private void speak(String text) {
    busy = true;
    OutputFormat source = scope.formats().current();
    CallOptions o = scope.options();
    JsonObject body = o.hints(new JsonObject().put("model", o.speechModel()).put("input", text)
      .put("response_format", source.responseFormat()).put("sample_rate", source.sampleRate()));
    if (o.voice() != null) {
      body.put("voice", o.voice());
    }
    if (provider != null) {
      body.put("provider", provider);
    }
    if (metrics != null && metrics.speechSent < 0) {
      metrics.speechSent = TurnMetrics.now();
    }
    scope.ledger().requested("speech");
    String rid = scope.stages().requestId(metrics == null ? 0 : metrics.turn, "speech");
    scope.stages().speech(rid, body).onComplete(ar -> {
      if (stopped) {
        if (ar.succeeded() && BusStreams.isStream(ar.result()) && !BusStreams.isEnd(ar.result())) {
          BusStreams.cancel(ar.result()); // cancelled while the request was on its way: the backend stops
        }
        return;
      }
      if (ar.failed()) {
        scope.ledger().failed("speech", null);
        failed(text, null, MeshException.from(ar.cause()), false);
      } else {
        stream(text, source, ar.result());
      }
    });
  }

  private void stream(String text, OutputFormat source, Message<Object> first) {
    Playout playout = scope.playout();
    Playout.Segment segment = playout.begin(tag + "p" + (++count));
    heard.add(text, segment);
    SpeechAudio audio = new SpeechAudio(source, playout.format());
    current = new PulledStream(first, scope.stages().timeoutMs(), body -> {
      if (body instanceof Buffer chunk && chunk.length() > 0) {
        if (metrics != null && metrics.firstAudio < 0) {
          metrics.firstAudio = TurnMetrics.now();
        }
        playout.audio(audio.push(chunk.getBytes()));
        if (playout.queuedMs() > PAUSE_ABOVE_MS) {
          PulledStream s = current;
          s.pause();
          playout.onLowWater(RESUME_BELOW_MS, s::resume);
        }
      }
    });
    PulledStream stream = current;
    String backend = current.backend();
    if (metrics != null && metrics.speechBackend == null) {
      metrics.speechBackend = backend;
    }
    stream.start();
    stream.done().onComplete(ar -> {
      if (stopped) {
        return;
      }
      if (ar.succeeded()) {
        if (ar.result() instanceof JsonObject end && end.getValue("audio") != null) {
          playout.audio(audio.push(end.getBuffer("audio").getBytes()));
        }
        playout.audio(audio.flush());
        playout.end();
        long chars = text.codePointCount(0, text.length());
        scope.ledger().characters(chars);
        scope.ledger().served("speech", backend, scope.options().speechModel(), 0, 0, 0, chars);
        busy = false;
        next();
      } else {
        scope.ledger().failed("speech", backend);
        playout.end();
        failed(text, backend, MeshException.from(ar.cause()), stream.delivered());
      }
    });
  }

  private void failed(String text, String backend, MeshException e, boolean delivered) {
    if (e.errorCode() == ErrorCode.CANCELLED && stopped) {
      return;
    }
    if (!delivered && scope.formats().fallBackOn(e)) {
      speak(text);
      return;
    }
    if (!delivered) {
      // The router already tried every backend it could: none can speak.
      busy = false;
      apologize("speech: " + e.getMessage());
      return;
    }
    failedBackends.add(backend);
    scope.view().alternative(Capability.SPEECH, scope.options().speechModel(), scope.options().privacy(), failedBackends)
      .onComplete(ar -> {
        if (stopped) {
          return;
        }
        if (ar.succeeded() && ar.result() != null) {
          provider = ar.result();
          speak(text);
        } else {
          busy = false;
          apologize("speech: the stream was cut and no other backend can speak: " + e.getMessage());
        }
      });
  }

  private void playApology() {
    stopped = true;
    scope.transport().event(new JsonObject().put("type", "error").put("turn", metrics == null ? 0 : metrics.turn)
      .put("error", new JsonObject().put("message", apologyReason).put("type", ErrorCode.UNAVAILABLE.type())
        .put("code", ErrorCode.UNAVAILABLE.openAiCode())));
    CallOptions o = scope.options();
    Playout playout = scope.playout();
    Playout.Segment segment = playout.begin(tag + "apology");
    heard.add(o.apology(), segment);
    playout.audio(scope.apology().audio(playout.format(), o.voice(), o.apology()));
    playout.end();
    done.tryComplete();
  }
}
