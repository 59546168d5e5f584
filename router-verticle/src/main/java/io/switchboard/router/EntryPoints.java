package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.MeshException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The router's capability entry points and how they close. Each request is counted in flight from its arrival
 * until the caller has its answer ({@link InFlightRequests}).
 *
 * <p>Closing has two steps. {@link #closeToCluster} makes the entry points local-only, so the cluster sends new
 * requests to the other routers while this node's own web verticle (which sends local-only) still reaches this
 * router: the first step of a router node's graceful stop. {@link #drain} unregisters them and waits for the requests
 * in flight, relayed streams included. A request another node sends in the moment the cluster has not yet heard of the
 * unregistration is dropped by Vert.x unanswered (the caller's send timeout): nothing was done for it, so a bus caller
 * may safely send it again. Both steps may be called from any thread; they run on the router's context.
 */
final class EntryPoints {

  private static final System.Logger LOG = System.getLogger(EntryPoints.class.getName());

  private final Vertx vertx;
  private final Context context;
  private final RequestRouter router;
  private final InFlightRequests inFlight;
  /** The entry points registered now: clustered, then local-only once closed to the cluster. */
  private final List<MessageConsumer<Object>> registered = new ArrayList<>();
  private boolean closedToCluster;
  private Future<Integer> drained;

  /** @param context the router verticle's context, which both closing steps run on */
  EntryPoints(Vertx vertx, Context context, RequestRouter router) {
    this.vertx = vertx;
    this.context = context;
    this.router = router;
    this.inFlight = new InFlightRequests(vertx);
  }

  /** Registers the entry points across the cluster; completes once they are registered. */
  Future<Void> open() {
    List<MessageConsumer<Object>> consumers = consumers(false);
    registered.addAll(consumers);
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  private List<MessageConsumer<Object>> consumers(boolean localOnly) {
    return List.of(consumer(Addresses.CHAT, router::chat, localOnly),
      consumer(Addresses.EMBED, router::embed, localOnly),
      consumer(Addresses.TRANSCRIBE, router::transcribe, localOnly),
      consumer(Addresses.SPEECH, router::speech, localOnly),
      consumer(Addresses.REALTIME, router::realtime, localOnly));
  }

  private MessageConsumer<Object> consumer(String address, Handler<Message<Object>> route, boolean localOnly) {
    Handler<Message<Object>> handler = m -> {
      Message<Object> request = inFlight.track(m);
      try {
        route.handle(request);
      } catch (RuntimeException e) {
        // A bug must not leave the caller waiting for its timeout, nor the request counted in flight for ever.
        LOG.log(System.Logger.Level.ERROR, "request on " + address + " failed in the router", e);
        request.reply(MeshException.from(e));
      }
    };
    return localOnly ? vertx.eventBus().localConsumer(address, handler) : vertx.eventBus().consumer(address, handler);
  }

  /** Stops taking requests from other nodes (see the class comment); nothing to do on a Vert.x that is not clustered. */
  Future<Void> closeToCluster() {
    return onContext(() -> {
      if (closedToCluster || drained != null || !vertx.isClustered()) {
        return Future.succeededFuture();
      }
      closedToCluster = true;
      List<MessageConsumer<Object>> clustered = List.copyOf(registered);
      List<MessageConsumer<Object>> local = consumers(true);
      registered.addAll(local);
      // The local ones first: never a moment with no entry point for this node's own web verticle.
      return Future.all(local.stream().map(MessageConsumer::completion).toList())
        .compose(v -> {
          registered.removeAll(clustered);
          return unregister(clustered);
        });
    });
  }

  /**
   * Stops taking requests (the cluster sends new ones to the other routers; with none left a caller gets "no
   * handlers") and waits up to {@code timeoutMs} for the requests in flight to finish. Completes with the number still
   * in flight then (0: all finished). Called again, returns the first call's future.
   */
  Future<Integer> drain(long timeoutMs) {
    return onContext(() -> {
      if (drained == null) {
        List<MessageConsumer<Object>> open = List.copyOf(registered);
        registered.clear();
        int atStart = inFlight.count();
        LOG.log(System.Logger.Level.INFO, "router stopping: takes no new requests; {0} in flight get up to {1,number,#} ms to finish",
          atStart, timeoutMs);
        drained = unregister(open).transform(ar -> inFlight.idle(timeoutMs)).onSuccess(left -> {
          if (left > 0) {
            LOG.log(System.Logger.Level.WARNING, "router stopped with {0} request(s) still in flight after {1,number,#} ms", left, timeoutMs);
          }
        });
      }
      return drained;
    });
  }

  private static Future<Void> unregister(List<MessageConsumer<Object>> consumers) {
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList()).<Void>mapEmpty().recover(e -> Future.succeededFuture());
  }

  private <T> Future<T> onContext(Supplier<Future<T>> action) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(done));
    return done.future();
  }
}
