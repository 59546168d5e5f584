package io.switchboard.voice.call;

import io.switchboard.api.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;

/**
 * One turn of a call: the answer to one utterance (chat and speech stages) and what of it the caller heard. The
 * greeting is turn 0. On the call's context only.
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

  Turn(CallScope scope, int number) {
    this.scope = scope;
    this.number = number;
    this.metrics = new TurnMetrics(number);
  }

  /** Answers: {@code messages} to the chat stage, the answer's pieces to the speech stage as they come. */
  void respond(JsonArray messages) {
    speaker = new Speaker(scope, metrics, heard, "t" + number);
    answer = new Answer(scope, metrics, speaker);
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
    speaker = new Speaker(scope, metrics, heard, "t" + number);
    speaker.apologize(reason, code);
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
