package io.switchboard.voice.call;

import io.switchboard.api.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * One turn of a call: the answer to one utterance (chat and speech stages) and what of it the caller heard. The
 * greeting is turn 0. A turn may be prepared before the caller's utterance is known to be over ({@link #hold}): it
 * then works but plays nothing until {@link #commit}, or is {@link #discard}ed when the caller goes on. On the call's
 * context only.
 */
final class Turn {

  final int number;
  final TurnMetrics metrics;
  private final CallScope scope;
  private final HeardText heard = new HeardText();
  private Speaker speaker;
  private Answer answer;
  private boolean cancelled;
  private boolean silent;
  private boolean remembered;
  private Speaker.Hold hold = Speaker.Hold.NONE;
  private String text;

  Turn(CallScope scope, int number) {
    this.scope = scope;
    this.number = number;
    this.metrics = new TurnMetrics(number);
  }

  /** Until {@link #commit}, nothing plays; with {@code speech}, the answer's speech may be asked for meanwhile. */
  void hold(boolean speech) {
    hold = speech ? Speaker.Hold.SPEECH : Speaker.Hold.SILENT;
  }

  /** The caller's turn is over (provisionally: nothing plays yet), so the answer's speech may be asked for. */
  void allowSpeech() {
    if (hold == Speaker.Hold.SILENT) {
      hold = Speaker.Hold.SPEECH;
      if (speaker != null) {
        speaker.allowSpeech();
      }
    }
  }

  /** The caller's turn is confirmed: the answer plays. */
  void commit() {
    hold = Speaker.Hold.NONE;
    if (answer != null) {
      answer.release();
    }
    if (speaker != null) {
      speaker.release();
    }
  }

  boolean held() {
    return hold != Speaker.Hold.NONE;
  }

  /**
   * The caller went on: the answer prepared for the utterance so far is cancelled (the cancels reach the backends) and
   * the call's record counts what it had asked for as discarded.
   */
  void discard() {
    cancel();
    if (answer != null) {
      scope.ledger().discarded("chat", 1);
    }
    if (speaker != null && speaker.requests() > 0) {
      scope.ledger().discarded("speech", speaker.requests());
    }
  }

  /** The transcript this turn answers (null until known). */
  String text() {
    return text;
  }

  void text(String transcript) {
    text = transcript;
  }

  /** The tokens the chat backend reported for this turn's answer (see {@link Answer#usage}); null when none. */
  JsonObject chatUsage() {
    return answer == null ? null : answer.usage();
  }

  /** Answers: {@code messages} to the chat stage, the answer's pieces to the speech stage as they come. */
  void respond(JsonArray messages) {
    speaker = speaker();
    answer = new Answer(scope, metrics, speaker);
    if (hold != Speaker.Hold.NONE) {
      answer.hold();
    }
    answer.start(messages);
  }

  /** Speaks {@code text} as it is (the greeting). */
  void say(String text) {
    speaker = new Speaker(scope, null, heard, "g");
    speaker.say(text);
    speaker.finish();
  }

  /** Says the apology (the transcription stage failed with {@code code}: {@code reason}). */
  void apologize(String reason, ErrorCode code) {
    speaker = speaker();
    speaker.apologize(reason, code);
  }

  private Speaker speaker() {
    Speaker s = new Speaker(scope, metrics, heard, "t" + number);
    if (hold != Speaker.Hold.NONE) {
      s.hold(hold == Speaker.Hold.SPEECH);
    }
    return s;
  }

  /** Stops every stage in flight; the cancels reach the backends. */
  void cancel() {
    cancelled = true;
    if (answer != null) {
      answer.cancel();
    }
    if (speaker != null) {
      speaker.cancel();
    }
  }

  boolean cancelled() {
    return cancelled;
  }

  /** The utterance held no words (noise): the turn ends without an answer. */
  void silent() {
    silent = true;
  }

  /** True while a stage is still working on this turn (or about to: the transcript is not back yet). */
  boolean producing() {
    return !cancelled && !silent && (speaker == null || !speaker.done().isComplete());
  }

  /** Completes when every piece of audio has been handed to the playout. */
  Future<Void> spoken() {
    return speaker == null ? Future.succeededFuture() : speaker.done();
  }

  /** True once what was heard of this turn is in the history. */
  boolean remembered() {
    return remembered;
  }

  void markRemembered() {
    remembered = true;
  }

  /** What the caller has heard of this turn's answer by now. */
  String heard() {
    return heard.heard(scope.playout());
  }
}
