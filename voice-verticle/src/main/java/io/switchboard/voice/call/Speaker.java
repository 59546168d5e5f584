package io.switchboard.voice.call;

import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.stream.BusStreams;
import io.switchboard.voice.audio.Playout;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * The speech stage of one answer: each piece of text to {@code switchboard.speech} as a stream in the call's output
 * format, its audio into the playout as it arrives, one segment (with its mark) per piece, in order. The next piece's
 * speech is asked for while the current one still plays ({@link #LOOKAHEAD} streams at once), its audio held until its
 * turn, so a short piece is not followed by a gap as long as the next piece's time to first audio. Speech is taken as
 * fast as it comes ({@link SpokenPiece}); the playout sends it out in real time.
 *
 * <p>Failures: a refusal of the format switches the call to PCM at 24 kHz, converted here; a stream cut after its
 * first audio speaks the piece again, from its start, on the next backend the registry offers (the router fails
 * over by itself only before the first byte); a piece no backend can speak, or an answer {@link #apologize}d for,
 * ends with the conf's spoken apology and nothing after it.
 *
 * <p>An answer prepared before the caller's turn is confirmed ({@link #hold}) plays nothing, and until it is
 * allowed asks for no speech either, until it is {@link #release}d or cancelled. On the call's context only.
 */
final class Speaker {

  /** HeardText's record of what each piece played (a piece spoken again after a cut replaces its segment). */
  HeardText heard() {
    return heard;
  }

  /** Speech streams in flight at once: the piece playing and the next. */
  static final int LOOKAHEAD = 2;

  private final CallScope scope;
  private final TurnMetrics metrics;
  private final HeardText heard;
  private final String tag;
  private final ArrayDeque<SpokenPiece> pieces = new ArrayDeque<>();
  private final Set<String> failedBackends = new HashSet<>();
  private final Promise<Void> done = Promise.promise();
  private String provider;
  private boolean finishing;
  private boolean apologyDue;
  private String apologyReason;
  private ErrorCode apologyCode;
  private boolean stopped;
  private int count;
  private int requests;
  private Hold hold = Hold.NONE;

  /** How far an answer not yet confirmed may go: nothing asked for, speech asked for but not played, or all. */
  enum Hold { SILENT, SPEECH, NONE }

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

  /** Speaks {@code text} after the pieces before it; its speech is asked for at once when few are in flight. */
  void say(String text) {
    if (stopped || apologyDue) {
      return;
    }
    pieces.add(new SpokenPiece(this, text, ++count));
    advance();
  }

  /** Holds the answer back: with {@code speech}, its pieces' speech is asked for (and kept), else not even that. */
  void hold(boolean speech) {
    hold = speech ? Hold.SPEECH : Hold.SILENT;
  }

  /** The caller's turn is confirmed: speech may be asked for (nothing plays yet). */
  void allowSpeech() {
    if (hold == Hold.SILENT) {
      hold = Hold.SPEECH;
      advance();
    }
  }

  /** The caller's turn is confirmed: the answer plays from now on. */
  void release() {
    hold = Hold.NONE;
    advance();
  }

  /** Speech requests sent for this answer (a discarded answer's are counted as such). */
  int requests() {
    return requests;
  }

  /** No more pieces will come: {@link #done} completes once the last one has arrived whole. */
  void finish() {
    finishing = true;
    advance();
  }

  /**
   * Drops what is not spoken yet and says the apology once the current piece has arrived; {@code reason} (which stage
   * failed, and how) goes to the client as an {@code error} event where the protocol has events.
   */
  void apologize(String reason, ErrorCode code) {
    if (stopped || apologyDue) {
      return;
    }
    apologyDue = true;
    apologyReason = reason;
    apologyCode = code;
    SpokenPiece current = pieces.peek();
    pieces.removeIf(p -> {
      boolean drop = p != current || !p.playing();
      if (drop) {
        p.cancel();
      }
      return drop;
    });
    advance();
  }

  /** Stops at once (barge-in, end of call): the streams in flight are cancelled, the backends told. */
  void cancel() {
    stopped = true;
    pieces.forEach(SpokenPiece::cancel);
    pieces.clear();
    done.tryComplete();
  }

  /** Completes when every piece (and any apology) has been handed to the playout, or on {@link #cancel}. */
  Future<Void> done() {
    return done.future();
  }

  CallScope scope() {
    return scope;
  }

  boolean stopped() {
    return stopped;
  }

  String provider() {
    return provider;
  }

  /** The turn's number, for request ids (0: the greeting). */
  int turn() {
    return metrics == null ? 0 : metrics.turn;
  }

  /** Speech of the answer's first piece was asked for now. */
  void requested() {
    requests++;
    if (metrics != null && metrics.speechSent < 0) {
      metrics.speechSent = TurnMetrics.now();
    }
  }

  /** The first audio of piece {@code index} arrived now from {@code backend}. */
  void firstAudio(int index, String backend) {
    if (metrics != null && index == 1) {
      metrics.firstAudio = TurnMetrics.now();
      metrics.speechBackend = backend;
    }
  }

  /**
   * Moves the answer along: the piece at the head plays (its held audio goes to the playout), a piece whose audio
   * has all arrived ends its segment and gives way to the next, and speech is asked for the pieces within reach.
   */
  void advance() {
    if (stopped) {
      return;
    }
    SpokenPiece head;
    while (hold == Hold.NONE && (head = pieces.peek()) != null) {
      if (!head.playing()) {
        head.play(scope.playout().begin(tag + "p" + head.index()));
        heard.add(head.text(), head.segment());
      }
      if (!head.arrived()) {
        break;
      }
      scope.playout().end();
      pieces.poll();
    }
    if (apologyDue) {
      if (pieces.isEmpty() && hold == Hold.NONE) {
        playApology();
      }
      return; // nothing more is asked for; the apology follows the piece that plays
    }
    if (hold == Hold.SILENT) {
      return;
    }
    int inFlight = 0;
    for (SpokenPiece p : pieces) {
      if (inFlight == LOOKAHEAD) {
        break;
      }
      if (!p.requested()) {
        p.request();
      }
      inFlight++;
    }
    if (pieces.isEmpty() && finishing) {
      done.tryComplete();
    }
  }

  /** Piece {@code piece} failed; {@code delivered}: after some of its audio. Retries it, or apologizes. */
  void failed(SpokenPiece piece, String backend, MeshException e, boolean delivered) {
    if (stopped || e.errorCode() == ErrorCode.CANCELLED && piece.cancelled()) {
      return;
    }
    if (!delivered && scope.formats().fallBackOn(e, piece.asked())) {
      piece.retry();
      return;
    }
    if (!delivered || backend == null) {
      // The router already tried every backend it could: none can speak.
      piece.abandon();
      apologize("speech: " + e.getMessage(), e.errorCode());
      return;
    }
    failedBackends.add(backend);
    scope.nextBackend(Capability.SPEECH, scope.options().speechModel(), failedBackends).onSuccess(next -> {
      if (stopped) {
        return;
      }
      if (next != null) {
        provider = next;
        piece.retry();
      } else {
        piece.abandon();
        apologize("speech: the stream was cut and no other backend can speak: " + e.getMessage(), e.errorCode());
      }
    });
  }

  /** The speech request body for {@code text} in the format the call asks for now. */
  JsonObject body(String text) {
    var source = scope.formats().current();
    CallOptions o = scope.options();
    JsonObject body = o.hints(new JsonObject().put("model", o.speechModel()).put("input", text)
      .put("response_format", source.responseFormat()).put("sample_rate", source.sampleRate()));
    if (o.voice() != null) {
      body.put("voice", o.voice());
    }
    if (provider != null) {
      body.put("provider", provider);
    }
    return body;
  }

  /** Answers a stream's first message with cancel (it started after the answer was stopped). */
  static void refuse(io.vertx.core.eventbus.Message<Object> first) {
    if (BusStreams.isStream(first) && !BusStreams.isEnd(first)) {
      BusStreams.cancel(first);
    }
  }

  private void playApology() {
    stopped = true;
    scope.transport().event(new JsonObject().put("type", "error").put("turn", turn())
      .put("error", new JsonObject().put("message", apologyReason).put("type", apologyCode.type())
        .put("code", apologyCode.openAiCode())));
    CallOptions o = scope.options();
    Playout playout = scope.playout();
    Playout.Segment segment = playout.begin(tag + "apology");
    heard.add(o.apology(), segment);
    playout.audio(scope.apology().audio(playout.format(), o.voice(), o.apology()));
    playout.end();
    done.tryComplete();
  }
}
