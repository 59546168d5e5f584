package io.switchboard.core.realtime;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.RealtimeProtocol;
import io.switchboard.api.RealtimeRequest;
import io.switchboard.api.RouteHints;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The caller's side of one realtime session on the bus ({@link RealtimeProtocol}): consumes its own events address,
 * opens the session through the router ({@link Addresses#REALTIME}, so policy, breakers and failover apply), then sends
 * client events and pings to the session and hands each server event to its handler. Ends once: by {@link #end}, or
 * when the session ends (its end message carries the reason, the error code and the usage).
 */
public final class RealtimeLink {

  /** How the session ended: the reason, the mesh error code (null: a normal end), and the session's usage. */
  public record End(String reason, ErrorCode error, JsonObject usage) {
    static End fromJson(JsonObject json) {
      String code = json.getString("code");
      return new End(json.getString("reason", "ended"), code == null ? null : ErrorCode.valueOf(code),
        json.getJsonObject("usage", new JsonObject()));
    }
  }

  private static final DeliveryOptions EVENT = new DeliveryOptions().addHeader(RealtimeProtocol.HEADER, RealtimeProtocol.EVENT);
  private static final DeliveryOptions PING = new DeliveryOptions().addHeader(RealtimeProtocol.HEADER, RealtimeProtocol.PING)
    .setSendTimeout(RealtimeProtocol.PING_TIMEOUT_MS);

  private final Vertx vertx;
  private final MessageConsumer<Object> consumer;
  private final Promise<End> ended = Promise.promise();
  private Handler<String> events;
  private String session;
  private String backend;
  private long pingTimer = -1;

  private RealtimeLink(Vertx vertx, MessageConsumer<Object> consumer) {
    this.vertx = vertx;
    this.consumer = consumer;
  }

  /**
   * Opens a session of {@code model} configured with {@code session} (GA shape), under {@code hints}; {@code keyId} is
   * the caller's API key id or null. Server events go to {@code events} on the caller's context from the start.
   */
  public static Future<RealtimeLink> open(Vertx vertx, String model, JsonObject session, RouteHints hints, String keyId,
                                          long timeoutMs, Handler<String> events) {
    String id = "rtc_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    String address = Addresses.realtimeEvents(id);
    RealtimeLink[] self = new RealtimeLink[1];
    MessageConsumer<Object> consumer = vertx.eventBus().consumer(address, m -> self[0].received(m));
    RealtimeLink link = new RealtimeLink(vertx, consumer);
    self[0] = link;
    link.events = events;
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMs).addHeader(Headers.REQUEST_ID, Headers.newRequestId());
    if (keyId != null) {
      options.addHeader(Headers.KEY_ID, keyId);
    }
    RealtimeRequest request = new RealtimeRequest(model, address, session, hints);
    return consumer.completion()
      .compose(v -> vertx.eventBus().<JsonObject>request(Addresses.REALTIME, request.toJson(), options))
      .map(reply -> {
        link.session = reply.body().getString("session");
        link.backend = reply.headers().get(Headers.BACKEND) != null ? reply.headers().get(Headers.BACKEND) : reply.body().getString("backend");
        link.pingTimer = vertx.setPeriodic(RealtimeProtocol.PING_MS, t -> link.ping());
        return link;
      })
      .recover(e -> {
        consumer.unregister();
        return Future.failedFuture(MeshException.from(e));
      });
  }

  /** The backend that holds the session. */
  public String backend() {
    return backend;
  }

  /** A client event (JSON text) to the session. */
  public void send(String event) {
    if (!ended.future().isComplete()) {
      vertx.eventBus().send(session, event, EVENT);
    }
  }

  public void send(JsonObject event) {
    send(event.encode());
  }

  /** Ends the session from this side; {@link #ended} completes once the session has said it is over. */
  public void end(String reason) {
    if (!ended.future().isComplete() && session != null) {
      vertx.eventBus().send(session, reason, new DeliveryOptions().addHeader(RealtimeProtocol.HEADER, RealtimeProtocol.END));
    }
  }

  /** Completes when the session is over (never fails). */
  public Future<End> ended() {
    return ended.future();
  }

  /** Tells the session the caller is there; a session that does not answer (its node died) is over. */
  private void ping() {
    vertx.eventBus().request(session, null, PING).onFailure(e -> {
      if (!ended.future().isComplete()) {
        vertx.cancelTimer(pingTimer);
        consumer.unregister();
        ended.tryComplete(new End("the realtime session was lost: " + e.getMessage(), ErrorCode.UPSTREAM, new JsonObject()));
      }
    });
  }

  private void received(Message<Object> m) {
    String kind = m.headers().get(RealtimeProtocol.HEADER);
    if (RealtimeProtocol.EVENT.equals(kind) && m.body() instanceof String json) {
      if (!ended.future().isComplete()) {
        events.handle(json);
      }
    } else if (RealtimeProtocol.END.equals(kind) && m.body() instanceof JsonObject json) {
      vertx.cancelTimer(pingTimer);
      consumer.unregister();
      ended.tryComplete(End.fromJson(json));
    }
  }
}
