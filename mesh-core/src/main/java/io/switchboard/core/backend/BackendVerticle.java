package io.switchboard.core.backend;

import io.switchboard.api.Addresses;
import io.switchboard.api.AudioCodec;
import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.EmbeddingRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.Health;
import io.switchboard.api.MeshException;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.api.SpeechRequest;
import io.switchboard.api.StreamProtocol;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.core.stream.BusStreams;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.List;
import java.util.UUID;

/**
 * Wires one {@link Backend} to the bus: consumes {@code switchboard.backend.<id>} and its own
 * {@code switchboard.instance.<instance-id>}, dispatches by the
 * {@link Headers#OP} header, bounds concurrency with a queue, announces the descriptor on the registry at start,
 * on every heartbeat and when leaving, and drains in-flight work on stop.
 *
 * <p>Config ({@code DeploymentOptions#setConfig}): {@code heartbeat_ms} (2000), {@code max_queue} (64; requests
 * beyond concurrency + queue get 429 with a Retry-After), {@code credit_timeout_ms} (30000: a stream whose
 * caller stops pulling that long is cancelled), {@code drain_timeout_ms} (30000).
 */
public final class BackendVerticle extends VerticleBase {

  private static final System.Logger LOG = System.getLogger(BackendVerticle.class.getName());

  private final Backend backend;
  private BackendDescriptor descriptor;
  private MessageConsumer<Object> consumer;
  private MessageConsumer<Object> instanceConsumer;
  private MessageConsumer<Object> syncConsumer;
  private long heartbeatTimer = -1;
  private int inflight;
  private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
  private int maxQueue;
  private long creditTimeoutMs;
  private Promise<Void> drained;
  private volatile Health health = Health.UP;
  private boolean stopping;

  public BackendVerticle(Backend backend) {
    this.backend = backend;
  }

  @Override
  public Future<?> start() {
    MeshExceptionCodec.register(vertx);
    AudioCodec.register(vertx);
    BackendDescriptor d = backend.descriptor();
    String instanceId = d.id() + "@" + UUID.randomUUID().toString().substring(0, 8);
    descriptor = d.withInstanceId(instanceId);
    maxQueue = config().getInteger("max_queue", 64);
    creditTimeoutMs = config().getLong("credit_timeout_ms", 30_000L);
    long heartbeatMs = config().getLong("heartbeat_ms", 2_000L);
    return backend.start().compose(v -> {
      consumer = vertx.eventBus().consumer(Addresses.backend(d.id()), this::handle);
      instanceConsumer = vertx.eventBus().consumer(Addresses.instance(instanceId), this::handle);
      syncConsumer = vertx.eventBus().consumer(Addresses.REGISTRY_SYNC, m -> announce());
      heartbeatTimer = vertx.setPeriodic(heartbeatMs, t -> heartbeat());
      return Future.all(consumer.completion(), instanceConsumer.completion(), syncConsumer.completion());
    }).onSuccess(v -> heartbeat());
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(heartbeatTimer);
    publish(descriptor.withHealth(health).asLeaving());
    Future<Void> unregister = Future.all(consumer.unregister(), instanceConsumer.unregister(), syncConsumer.unregister()).mapEmpty();
    return unregister.compose(v -> drain()).eventually(backend::stop);
  }

  private Future<Void> drain() {
    if (inflight == 0 && queue.isEmpty()) {
      return Future.succeededFuture();
    }
    drained = Promise.promise();
    long timeout = config().getLong("drain_timeout_ms", 30_000L);
    long timer = vertx.setTimer(timeout, t -> {
      LOG.log(System.Logger.Level.WARNING, "{0}: drain timeout, {1} request(s) still in flight", descriptor.id(), inflight);
      drained.tryComplete();
    });
    return drained.future().onComplete(ar -> vertx.cancelTimer(timer));
  }

  private void heartbeat() {
    backend.health().onComplete(ar -> {
      health = ar.succeeded() ? ar.result() : Health.down("health check failed");
      announce();
    });
  }

  private void announce() {
    // After "leaving" nothing may announce the instance again (a health check still running, a registry sync).
    if (!stopping) {
      publish(descriptor.withHealth(health));
    }
  }

  private void publish(BackendDescriptor d) {
    vertx.eventBus().publish(Addresses.REGISTRY, d.toJson().put("inflight", inflight).put("queued", queue.size()));
  }

  // ---- dispatch

  private void handle(Message<Object> msg) {
    String op = msg.headers().get(Headers.OP);
    if (Headers.OP_HEALTH.equals(op)) {
      backend.health().onComplete(ar -> msg.reply((ar.succeeded() ? ar.result() : Health.down("health check failed")).toJson()));
      return;
    }
    if (inflight < descriptor.concurrency()) {
      run(msg, op);
    } else if (queue.size() < maxQueue) {
      queue.add(() -> run(msg, op));
    } else {
      msg.reply(new MeshException(ErrorCode.RATE_LIMITED,
        descriptor.id() + " is at capacity (" + descriptor.concurrency() + " running, " + queue.size() + " queued)", null, 1000));
    }
  }

  private void run(Message<Object> msg, String op) {
    inflight++;
    Future<?> work;
    try {
      CallContext ctx = context(msg);
      if (System.currentTimeMillis() >= ctx.deadlineMs()) {
        throw new MeshException(ErrorCode.TIMEOUT, "deadline passed before " + descriptor.id() + " started");
      }
      work = switch (op == null ? "" : op) {
        case Headers.OP_CHAT -> chat(msg, ctx);
        case Headers.OP_EMBED -> embed(msg, ctx);
        case Headers.OP_TRANSCRIBE -> transcribe(msg, ctx);
        case Headers.OP_SPEECH -> speech(msg, ctx);
        default -> throw MeshException.invalid(null, "unknown operation '" + op + "' for backend " + descriptor.id());
      };
    } catch (RuntimeException e) {
      work = Future.failedFuture(e);
      msg.reply(MeshException.from(e));
    }
    work.onComplete(ar -> finished());
  }

  private void finished() {
    inflight--;
    Runnable next = queue.poll();
    if (next != null) {
      next.run();
    } else if (drained != null && inflight == 0) {
      drained.tryComplete();
    }
  }

  private CallContext context(Message<Object> msg) {
    String deadline = msg.headers().get(Headers.DEADLINE);
    long deadlineMs = deadline == null ? System.currentTimeMillis() + 600_000 : Long.parseLong(deadline);
    return new CallContext(msg.headers().get(Headers.REQUEST_ID), msg.headers().get(Headers.KEY_ID), deadlineMs);
  }

  private <T extends Backend> T as(Class<T> type, String what) {
    if (!type.isInstance(backend)) {
      throw MeshException.invalid(null, "backend " + descriptor.id() + " does not serve " + what);
    }
    return type.cast(backend);
  }

  private JsonObject jsonBody(Message<Object> msg) {
    if (!(msg.body() instanceof JsonObject json)) {
      throw MeshException.invalid(null, "the request body must be a JSON object");
    }
    return json;
  }

  private Future<?> chat(Message<Object> msg, CallContext ctx) {
    ChatBackend chat = as(ChatBackend.class, "chat");
    ChatRequest request = ChatRequest.fromJson(jsonBody(msg));
    if (!request.stream()) {
      return reply(msg, chat.chat(request, ctx));
    }
    ChunkPipe<JsonObject> pipe = chat.chatStream(request, ctx);
    return BusStreams.serve(msg, pipe, creditTimeoutMs,
      (batch, first) -> new JsonObject().put(StreamProtocol.CHUNKS, new JsonArray(List.copyOf(batch))),
      (batch, trailer) -> trailer.copy().put(StreamProtocol.CHUNKS, new JsonArray(List.copyOf(batch))));
  }

  private Future<?> embed(Message<Object> msg, CallContext ctx) {
    return reply(msg, as(EmbeddingBackend.class, "embeddings").embed(EmbeddingRequest.fromJson(jsonBody(msg)), ctx));
  }

  private Future<?> transcribe(Message<Object> msg, CallContext ctx) {
    TranscriptionBackend asr = as(TranscriptionBackend.class, "transcription");
    if (!(msg.body() instanceof Buffer audio)) {
      throw MeshException.invalid("file", "the request body must be the audio bytes");
    }
    String params = msg.headers().get(TranscriptionRequest.PARAMS_HEADER);
    TranscriptionRequest request = TranscriptionRequest.fromJson(params == null ? new JsonObject() : new JsonObject(params));
    return reply(msg, asr.transcribe(request, audio, ctx));
  }

  private Future<?> speech(Message<Object> msg, CallContext ctx) {
    SpeechBackend tts = as(SpeechBackend.class, "speech");
    SpeechRequest request = SpeechRequest.fromJson(jsonBody(msg));
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

  private static Future<JsonObject> reply(Message<Object> msg, Future<JsonObject> result) {
    return result.onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(ar.result());
      } else {
        msg.reply(MeshException.from(ar.cause()));
      }
    });
  }

  /** Delivery options for a request to a backend, with the deadline measured from now ({@link Headers#toBackend}). */
  public static DeliveryOptions requestOptions(String op, String requestId, String keyId, long deadlineMs) {
    return Headers.toBackend(op, requestId, keyId, deadlineMs, System.currentTimeMillis());
  }
}
