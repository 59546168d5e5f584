package io.switchboard.core.backend;

import io.switchboard.api.ChatRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.JsonHandOver;
import io.switchboard.api.MeshException;
import io.switchboard.api.SpeechRequest;
import io.switchboard.api.RealtimeProtocol;
import io.switchboard.api.StreamProtocol;
import io.switchboard.core.realtime.RealtimeBridge;
import io.switchboard.core.stream.BusStreams;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Runs one operation of a {@link Backend} for a bus request: chooses it by the {@link Headers#OP} header, decodes the
 * request ({@link BackendRequests}), calls the capability the backend implements, and answers: a whole reply, or a
 * pulled stream ({@link BusStreams#serve}) of chat chunks or speech audio. Every failure, the request's own included,
 * is answered as a {@link MeshException}.
 */
final class BackendOperations {

  private final Backend backend;
  private final String id;
  private final long creditTimeoutMs;

  /** @param creditTimeoutMs how long a stream waits for its caller's next credit before it is cancelled */
  BackendOperations(Backend backend, long creditTimeoutMs) {
    this.backend = backend;
    this.id = backend.descriptor().id();
    this.creditTimeoutMs = creditTimeoutMs;
  }

  /** Runs the request's operation; completes when it is over (answered, streamed to its end, failed or cancelled). */
  Future<?> run(Message<Object> msg) {
    String op = msg.headers().get(Headers.OP);
    try {
      long now = System.currentTimeMillis();
      CallContext ctx = BackendRequests.context(msg, now);
      if (now >= ctx.deadlineMs()) {
        throw new MeshException(ErrorCode.TIMEOUT, "deadline passed before " + id + " started");
      }
      return switch (op == null ? "" : op) {
        case Headers.OP_CHAT -> chat(msg, ctx);
        case Headers.OP_EMBED -> reply(msg, as(EmbeddingBackend.class, "embeddings").embed(BackendRequests.embedding(msg), ctx), false);
        case Headers.OP_TRANSCRIBE -> transcribe(msg, ctx);
        case Headers.OP_SPEECH -> speech(msg, ctx);
        case Headers.OP_REALTIME -> RealtimeBridge.serve(Vertx.currentContext().owner(), msg,
          as(RealtimeBackend.class, "realtime sessions"), ctx, RealtimeProtocol.IDLE_TIMEOUT_MS);
        default -> throw MeshException.invalid(null, "unknown operation '" + op + "' for backend " + id);
      };
    } catch (RuntimeException e) {
      msg.reply(MeshException.from(e));
      return Future.failedFuture(e);
    }
  }

  private <T extends Backend> T as(Class<T> type, String what) {
    if (!type.isInstance(backend)) {
      throw MeshException.invalid(null, "backend " + id + " does not serve " + what);
    }
    return type.cast(backend);
  }

  private Future<?> chat(Message<Object> msg, CallContext ctx) {
    ChatBackend chat = as(ChatBackend.class, "chat");
    ChatRequest request = BackendRequests.chat(msg);
    if (!request.stream()) {
      return reply(msg, chat.chat(request, ctx), true);
    }
    ChunkPipe<JsonObject> pipe = chat.chatStream(request, ctx);
    return BusStreams.serveHandingOver(msg, pipe, creditTimeoutMs,
      (batch, first) -> new JsonObject().put(StreamProtocol.CHUNKS, new JsonArray(List.copyOf(batch))),
      (batch, trailer) -> trailer.copy().put(StreamProtocol.CHUNKS, new JsonArray(List.copyOf(batch))));
  }

  private Future<?> transcribe(Message<Object> msg, CallContext ctx) {
    TranscriptionBackend asr = as(TranscriptionBackend.class, "transcription");
    Buffer audio = BackendRequests.audio(msg);
    return reply(msg, asr.transcribe(BackendRequests.transcription(msg), audio, ctx), false);
  }

  private Future<?> speech(Message<Object> msg, CallContext ctx) {
    SpeechBackend tts = as(SpeechBackend.class, "speech");
    SpeechRequest request = BackendRequests.speech(msg);
    ChunkPipe<Buffer> pipe = tts.speak(request, ctx);
    String contentType = tts.contentType(request);
    return BusStreams.serve(msg, pipe, creditTimeoutMs,
      (batch, first) -> concat(batch),
      (batch, trailer) -> trailer.copy().put("audio", concat(batch)).put(SpeechRequest.CONTENT_TYPE_HEADER, contentType));
  }

  private static Buffer concat(List<Buffer> batch) {
    if (batch.size() == 1) {
      return batch.get(0);
    }
    Buffer out = Buffer.buffer();
    batch.forEach(out::appendBuffer);
    return out;
  }

  /** @param handOver the answer goes to the router uncopied ({@link JsonHandOver}): a {@link ChatBackend} keeps none */
  private static Future<JsonObject> reply(Message<Object> msg, Future<JsonObject> result, boolean handOver) {
    return result.onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(ar.result(), handOver ? JsonHandOver.options(new DeliveryOptions()) : new DeliveryOptions());
      } else {
        msg.reply(MeshException.from(ar.cause()));
      }
    });
  }
}
