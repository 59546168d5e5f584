package io.switchboard.core.realtime;

import io.switchboard.api.Addresses;
import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.RealtimeProtocol;
import io.switchboard.api.RealtimeRequest;
import io.switchboard.api.UsageRecord;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.RealtimeBackend;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The backend side of one realtime session on the bus ({@link RealtimeProtocol}): opens the upstream session, consumes
 * the session's address (client events in, pings, the caller's end), sends server events to the caller's address as
 * they come, ends the session when either side ends it or the caller goes quiet, and leaves the session's usage record
 * (capability {@code realtime}, request id = the session id) on {@link Addresses#USAGE}. The future it returns
 * completes when the session is over, so a backend's concurrency counts open sessions.
 */
public final class RealtimeBridge {

  private static final System.Logger LOG = System.getLogger(RealtimeBridge.class.getName());
  private static final DeliveryOptions EVENT = new DeliveryOptions().addHeader(RealtimeProtocol.HEADER, RealtimeProtocol.EVENT);

  private final Vertx vertx;
  private final BackendDescriptor descriptor;
  private final CallContext context;
  private final RealtimeRequest request;
  private final String sessionId = "rts_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
  private final Promise<Void> done = Promise.promise();
  private final long startedAt = System.currentTimeMillis();
  private final long idleTimeoutMs;
  private MessageConsumer<Object> consumer;
  private RealtimeUpstream upstream;
  private long lastHeard = System.currentTimeMillis();
  private long idleTimer = -1;
  private boolean ended;

  private RealtimeBridge(Vertx vertx, BackendDescriptor descriptor, CallContext context, RealtimeRequest request, long idleTimeoutMs) {
    this.vertx = vertx;
    this.descriptor = descriptor;
    this.context = context;
    this.request = request;
    this.idleTimeoutMs = idleTimeoutMs;
  }

  /** Serves the open request {@code msg}: answers it with the session's address, or the failure; see the class comment. */
  public static Future<Void> serve(Vertx vertx, Message<Object> msg, RealtimeBackend backend, CallContext context, long idleTimeoutMs) {
    if (!(msg.body() instanceof JsonObject body)) {
      throw MeshException.invalid(null, "the request body must be a JSON object");
    }
    RealtimeRequest request = RealtimeRequest.fromJson(body);
    RealtimeBridge bridge = new RealtimeBridge(vertx, backend.descriptor(), context, request, idleTimeoutMs);
    return bridge.open(msg, backend);
  }

  private Future<Void> open(Message<Object> msg, RealtimeBackend backend) {
    backend.connect(request, context, new RealtimeUpstream.Listener() {
      @Override
      public void event(String json) {
        vertx.eventBus().send(request.events(), json, EVENT);
      }

      @Override
      public void ended(String reason, ErrorCode error, RealtimeUpstream.SessionUsage usage) {
        end(reason, error, usage);
      }
    }).compose(u -> {
      upstream = u;
      if (ended) {
        u.close("ended while opening");
        return Future.failedFuture(new MeshException(ErrorCode.UPSTREAM, descriptor.id() + ": the session ended while it opened"));
      }
      consumer = vertx.eventBus().consumer(Addresses.realtimeSession(sessionId), this::fromCaller);
      return consumer.completion();
    }).onComplete(ar -> {
      if (ar.failed()) {
        msg.reply(MeshException.from(ar.cause()));
        if (upstream != null) {
          upstream.close("could not register the session");
        }
        done.tryComplete();
        return;
      }
      idleTimer = vertx.setPeriodic(Math.max(100, idleTimeoutMs / 4), t -> {
        if (System.currentTimeMillis() - lastHeard > idleTimeoutMs) {
          upstream.close("the caller went quiet for " + idleTimeoutMs + " ms");
        }
      });
      msg.reply(new JsonObject().put("session", Addresses.realtimeSession(sessionId)).put("session_id", sessionId)
        .put("model", request.model()).put("backend", descriptor.id()));
    });
    return done.future();
  }

  private void fromCaller(Message<Object> m) {
    lastHeard = System.currentTimeMillis();
    String kind = m.headers().get(RealtimeProtocol.HEADER);
    if (RealtimeProtocol.EVENT.equals(kind) && m.body() instanceof String json) {
      upstream.send(json);
    } else if (RealtimeProtocol.PING.equals(kind)) {
      m.reply(null);
    } else if (RealtimeProtocol.END.equals(kind)) {
      upstream.close(m.body() instanceof String reason ? reason : "the caller ended the session");
    }
  }

  private void end(String reason, ErrorCode error, RealtimeUpstream.SessionUsage usage) {
    if (ended) {
      return;
    }
    ended = true;
    vertx.cancelTimer(idleTimer);
    if (consumer == null) {
      done.tryComplete(); // failed while opening: the open request's own failure says why
      return;
    }
    JsonObject end = new JsonObject().put("reason", reason).put("session_id", sessionId).put("backend", descriptor.id())
      .put("usage", usage.toJson());
    if (error != null) {
      end.put("code", error.name()).put("status", error.httpStatus());
    }
    vertx.eventBus().send(request.events(), end, new DeliveryOptions().addHeader(RealtimeProtocol.HEADER, RealtimeProtocol.END));
    LOG.log(System.Logger.Level.INFO, "{0}: realtime session {1} ended: {2}", descriptor.id(), sessionId, reason);
    UsageRecord.Builder record = UsageRecord.builder(sessionId).time(Instant.now()).keyId(context.keyId())
      .capability(Capability.REALTIME).backend(descriptor.id()).model(usage.model()).privacy(descriptor.privacy())
      .tokens(usage.inputTokens(), usage.outputTokens()).audioSeconds(usage.audioInSeconds() + usage.audioOutSeconds())
      .latencyMs(System.currentTimeMillis() - startedAt).costUsd(usage.costUsd());
    if (error != null) {
      record.error(error);
    }
    vertx.eventBus().send(Addresses.USAGE, record.build().toJson());
    consumer.unregister().onComplete(v -> done.tryComplete());
  }
}
