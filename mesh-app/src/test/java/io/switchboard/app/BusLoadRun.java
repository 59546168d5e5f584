package io.switchboard.app;

import io.switchboard.api.Addresses;
import io.switchboard.api.Headers;
import io.switchboard.core.stream.BusStreams;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * A steady, bounded load of chat requests sent over the cluster's event bus (no HTTP) from a member in the test JVM:
 * one request every {@code 1000 / rate} ms to {@code switchboard.chat}, whichever router the cluster picks, each with
 * its own request id; streams are pulled to their end. A request whose first answer never comes is sent again, a
 * bounded number of times, as a bus client of a cluster must: "no handlers" (no router registered), or no answer
 * within {@link #FIRST_ANSWER_MS} (the request reached a router node just after that router unregistered its entry
 * points, before the cluster heard of it: Vert.x drops a message from the wire that no handler takes, without an
 * answer). Nothing was done for such a request; the ledgers tell whether anything was done twice. Every outcome is
 * kept with its number of resends.
 */
final class BusLoadRun {

  static final int MAX_RESENDS = 20;
  /** Far beyond the first answer's usual time (the upstream's 400 ms), on a busy machine too. */
  static final long FIRST_ANSWER_MS = 15_000;

  /** How one request ended: the whole answer ({@code ok}), or the failure. */
  record Outcome(String requestId, boolean stream, long startedMs, long endedMs, boolean ok, int resends, String failure) {
  }

  private final Vertx vertx;
  private PacedRun<Outcome> run;

  private BusLoadRun(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Starts sending at once: every other request streamed, for at most {@code maxMs}. */
  static BusLoadRun start(Vertx member, String prefix, int ratePerSecond, long maxMs) {
    BusLoadRun load = new BusLoadRun(member);
    load.run = PacedRun.start(member, ratePerSecond, maxMs, n -> load.send(prefix + "-" + n, n % 2 == 0));
    return load;
  }

  private Future<Outcome> send(String rid, boolean stream) {
    long started = System.currentTimeMillis();
    JsonObject body = new JsonObject().put("model", "gpt-4o-mini").put("stream", stream)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "Count to ten.")));
    return attempt(rid, body, 0).transform(ar -> Future.succeededFuture(ar.succeeded()
      ? new Outcome(rid, stream, started, System.currentTimeMillis(), true, ar.result(), null)
      : new Outcome(rid, stream, started, System.currentTimeMillis(), false, -1, ar.cause().toString())));
  }

  /** Completes with the number of resends once the whole answer is in; only the first message is ever resent. */
  private Future<Integer> attempt(String rid, JsonObject body, int resends) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(FIRST_ANSWER_MS).addHeader(Headers.REQUEST_ID, rid);
    return vertx.eventBus().<Object>request(Addresses.CHAT, body, options).transform(ar -> {
      if (ar.succeeded()) {
        return pull(ar.result()).map(resends);
      }
      if (ar.cause() instanceof ReplyException r && resends < MAX_RESENDS
        && (r.failureType() == ReplyFailure.NO_HANDLERS || r.failureType() == ReplyFailure.TIMEOUT)) {
        Promise<Integer> later = Promise.promise();
        vertx.setTimer(100, t -> attempt(rid, body, resends + 1).onComplete(later));
        return later.future();
      }
      return Future.failedFuture(ar.cause());
    });
  }

  /** Pulls a stream to its end; a whole answer must hold the completion. */
  private static Future<Void> pull(Message<Object> msg) {
    if (!BusStreams.isStream(msg)) {
      return msg.body() instanceof JsonObject json && json.containsKey("choices")
        ? Future.succeededFuture() : Future.failedFuture("not a completion: " + msg.body());
    }
    if (BusStreams.isEnd(msg)) {
      return Future.succeededFuture();
    }
    return BusStreams.next(msg, 30_000).compose(BusLoadRun::pull);
  }

  /** Stops sending; {@link #finished()} completes when the last answer is in. */
  void stop() {
    run.stop();
  }

  Future<Void> finished() {
    return run.finished();
  }

  List<Outcome> outcomes() {
    return run.outcomes();
  }
}
