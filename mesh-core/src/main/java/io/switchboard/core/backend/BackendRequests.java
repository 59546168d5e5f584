package io.switchboard.core.backend;

import io.switchboard.api.ChatBody;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.EmbeddingRequest;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.SpeechRequest;
import io.switchboard.api.TranscriptionRequest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * Reads a request to a backend off its bus message: who asked and until when (the headers of
 * {@link Headers#toBackend}), and the request itself, validated; a malformed one is a {@link MeshException} naming
 * what is wrong (400).
 */
final class BackendRequests {

  /** The deadline of a request that came without one (a caller outside the mesh): ten minutes. */
  private static final long DEFAULT_DEADLINE_MS = 600_000;

  private BackendRequests() {
  }

  static CallContext context(Message<?> msg, long nowMs) {
    String deadline = msg.headers().get(Headers.DEADLINE);
    long deadlineMs;
    try {
      deadlineMs = deadline == null ? nowMs + DEFAULT_DEADLINE_MS : Long.parseLong(deadline);
    } catch (NumberFormatException e) {
      throw MeshException.invalid(null, "header " + Headers.DEADLINE + " must be epoch milliseconds");
    }
    return new CallContext(msg.headers().get(Headers.REQUEST_ID), msg.headers().get(Headers.KEY_ID), deadlineMs);
  }

  /** The chat request: the one the router decoded when it handed the body over within the node, else decoded here. */
  static ChatRequest chat(Message<?> msg) {
    return ChatBody.request(msg.body());
  }

  static EmbeddingRequest embedding(Message<?> msg) {
    return EmbeddingRequest.fromJson(json(msg));
  }

  static SpeechRequest speech(Message<?> msg) {
    return SpeechRequest.fromJson(json(msg));
  }

  /** The audio of a transcription: the message body. */
  static Buffer audio(Message<?> msg) {
    if (!(msg.body() instanceof Buffer audio)) {
      throw MeshException.invalid("file", "the request body must be the audio bytes");
    }
    return audio;
  }

  /** The parameters of a transcription, from header {@link Headers#PARAMS} (none: the defaults). */
  static TranscriptionRequest transcription(Message<?> msg) {
    String params = msg.headers().get(TranscriptionRequest.PARAMS_HEADER);
    JsonObject json;
    try {
      json = params == null ? new JsonObject() : new JsonObject(params);
    } catch (RuntimeException e) {
      throw MeshException.invalid(null, "malformed " + TranscriptionRequest.PARAMS_HEADER + " header: not JSON");
    }
    return TranscriptionRequest.fromJson(json);
  }

  private static JsonObject json(Message<?> msg) {
    if (!(msg.body() instanceof JsonObject json)) {
      throw MeshException.invalid(null, "the request body must be a JSON object");
    }
    return json;
  }
}
