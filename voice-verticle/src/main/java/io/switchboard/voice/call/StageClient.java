package io.switchboard.voice.call;

import io.switchboard.api.Addresses;
import io.switchboard.api.AudioCodec;
import io.switchboard.api.Headers;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.core.audio.WavWriter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * A call's requests to the router's capability addresses ({@code switchboard.transcribe}, {@code switchboard.chat},
 * {@code switchboard.speech}): the same requests any bus client sends, so privacy, strategy, breakers, failover,
 * limits, budgets and the ledger apply to every stage of every turn. Each carries its own request id (the call id,
 * the turn and the stage: {@code call_..-t3-chat-1}) and the call's API key id, so the stage records and the key's
 * limits and budget see the call.
 */
public final class StageClient {

  private final Vertx vertx;
  private final String callId;
  private final String keyId;
  private final long timeoutMs;
  private int sequence;

  public StageClient(Vertx vertx, String callId, String keyId, long timeoutMs) {
    this.vertx = vertx;
    this.callId = callId;
    this.keyId = keyId;
    this.timeoutMs = timeoutMs;
  }

  /** A new request id for {@code stage} of turn {@code turn}. */
  public String requestId(int turn, String stage) {
    return callId + "-t" + turn + "-" + stage + "-" + (++sequence);
  }

  /** Transcribes 16 kHz audio (sent as a 16-bit WAV); the reply is the verbose transcript. */
  public Future<Message<Object>> transcribe(String requestId, float[] pcm16k, JsonObject params) {
    Buffer wav = WavWriter.pcm16Buffer(pcm16k, 16_000);
    JsonObject p = params.copy().put("filename", "utterance.wav").put("content_type", "audio/wav").put("response_format", "verbose_json");
    DeliveryOptions o = AudioCodec.options(options(requestId)).addHeader(TranscriptionRequest.PARAMS_HEADER, p.encode());
    return vertx.eventBus().request(Addresses.TRANSCRIBE, wav, o);
  }

  /** Starts a chat stream ({@code "stream": true} is set); the reply is its first message. */
  public Future<Message<Object>> chat(String requestId, JsonObject body) {
    return vertx.eventBus().request(Addresses.CHAT, body.put("stream", true), options(requestId));
  }

  /** Starts a speech stream; the reply is its first message. */
  public Future<Message<Object>> speech(String requestId, JsonObject body) {
    return vertx.eventBus().request(Addresses.SPEECH, body, options(requestId));
  }

  /** How long a pulled stream may stay silent before it counts as failed. */
  public long timeoutMs() {
    return timeoutMs;
  }

  private DeliveryOptions options(String requestId) {
    DeliveryOptions o = new DeliveryOptions().setSendTimeout(timeoutMs).addHeader(Headers.REQUEST_ID, requestId);
    if (keyId != null) {
      o.addHeader(Headers.KEY_ID, keyId);
    }
    return o;
  }
}
