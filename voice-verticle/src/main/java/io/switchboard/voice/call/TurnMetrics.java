package io.switchboard.voice.call;

import io.switchboard.voice.metrics.VoiceMetrics;
import io.vertx.core.json.JsonObject;

/**
 * The moments of one turn, in milliseconds of {@link System#nanoTime}, and the stage times made from them:
 * endpoint delay (the caller's last speech audio arrived → the endpoint was decided), transcription (sent → text;
 * only the part after the endpoint when it was started early), chat time to first token, speech time to first audio
 * (of the first piece), first frame (that audio → its first outbound frame) and voice-to-voice (the caller's end of
 * speech → the first outbound frame). Beside them the hand-offs between the stages, so that voice-to-voice is the sum
 * of its parts: the endpoint → the transcription sent ({@code transcribe_start}), the transcript → the chat sent
 * ({@code chat_start}), the first token → the first piece's speech asked for ({@code first_piece}: the wait for a whole
 * first sentence or clause). Reported once, when the first frame leaves: as a {@code turn.metrics} event and in the
 * histograms.
 */
final class TurnMetrics {

  final int turn;
  long speechEnd = -1;
  long endpoint = -1;
  long transcribeSent = -1;
  long transcript = -1;
  long chatSent = -1;
  long firstToken = -1;
  long speechSent = -1;
  long firstAudio = -1;
  long firstFrame = -1;
  String transcribeBackend;
  String chatBackend;
  String speechBackend;
  private boolean reported;

  TurnMetrics(int turn) {
    this.turn = turn;
  }

  static long now() {
    return System.nanoTime() / 1_000_000;
  }

  /** Builds the event and records the histograms, once; null when already reported or nothing was spoken yet. */
  JsonObject report(VoiceMetrics metrics) {
    if (reported || firstFrame < 0) {
      return null;
    }
    reported = true;
    long endpointMs = between(speechEnd, endpoint);
    long transcriptionMs = between(Math.max(transcribeSent, endpoint), transcript);
    long tokenMs = between(chatSent, firstToken);
    long audioMs = between(speechSent, firstAudio);
    long frameMs = between(firstAudio, firstFrame);
    long v2v = between(speechEnd, firstFrame);
    long transcribeStart = between(endpoint, Math.max(transcribeSent, endpoint));
    long chatStart = between(transcript, chatSent);
    long firstPiece = between(firstToken, speechSent);
    metrics.stage("transcribe_start", null, transcribeStart);
    metrics.stage("chat_start", null, chatStart);
    metrics.stage("first_piece", null, firstPiece);
    metrics.stage("endpoint", null, endpointMs);
    metrics.stage("transcription", transcribeBackend, transcriptionMs);
    metrics.stage("chat_first_token", chatBackend, tokenMs);
    metrics.stage("speech_first_audio", speechBackend, audioMs);
    metrics.stage("first_frame", null, frameMs);
    metrics.stage("voice_to_voice", null, v2v);
    return new JsonObject().put("type", "turn.metrics").put("turn", turn).put("endpoint_ms", endpointMs)
      .put("transcription_ms", transcriptionMs).put("chat_first_token_ms", tokenMs).put("speech_first_audio_ms", audioMs)
      .put("first_frame_ms", frameMs).put("voice_to_voice_ms", v2v)
      .put("handoff_ms", new JsonObject().put("transcribe_start", transcribeStart).put("chat_start", chatStart)
        .put("first_piece", firstPiece))
      .put("backends", new JsonObject().put("transcribe", transcribeBackend).put("chat", chatBackend).put("speech", speechBackend));
  }

  private static long between(long from, long to) {
    return from < 0 || to < 0 ? -1 : Math.max(0, to - from);
  }
}
