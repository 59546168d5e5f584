package io.switchboard.core.backend;

import io.switchboard.api.Addresses;
import io.switchboard.api.AudioCodec;
import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.Health;
import io.switchboard.api.JsonHandOver;
import io.switchboard.api.MeshException;
import io.switchboard.api.MeshExceptionCodec;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.UUID;

/**
 * Wires one {@link Backend} to the bus: consumes {@code switchboard.backend.<id>} and its own
 * {@code switchboard.instance.<instance-id>}, admits requests up to the backend's concurrency plus a queue
 * ({@link AdmissionQueue}), runs each by its {@link Headers#OP} header ({@link BackendOperations}), announces the
 * descriptor on the registry at start, on every heartbeat and when leaving, and drains in-flight work on stop.
 *
 * <p>Config ({@code DeploymentOptions#setConfig}): {@code heartbeat_ms} (2000), {@code max_queue} (64; requests
 * beyond concurrency + queue get 429 with a Retry-After), {@code credit_timeout_ms} (30000: a stream whose
 * caller stops pulling that long is cancelled), {@code drain_timeout_ms} (30000), {@code leave_grace_ms} (clustered: the
 * heartbeat period, else 0: how long the instance's address stays served after it announced it is leaving, see
 * {@link #stop}).
 */
public final class BackendVerticle extends VerticleBase {

  private static final System.Logger LOG = System.getLogger(BackendVerticle.class.getName());

  private final Backend backend;
  private BackendDescriptor descriptor;
  private AdmissionQueue<Message<Object>> admission;
  private MessageConsumer<Object> consumer;
  private MessageConsumer<Object> instanceConsumer;
  private MessageConsumer<Object> syncConsumer;
  private long heartbeatTimer = -1;
  private volatile Health health = Health.UP;
  private boolean stopping;

  public BackendVerticle(Backend backend) {
    this.backend = backend;
  }

  @Override
  public Future<?> start() {
    MeshExceptionCodec.register(vertx);
    AudioCodec.register(vertx);
    JsonHandOver.register(vertx);
    BackendDescriptor d = backend.descriptor();
    String instanceId = d.id() + "@" + UUID.randomUUID().toString().substring(0, 8);
    descriptor = d.withInstanceId(instanceId);
    BackendOperations operations = new BackendOperations(backend, config().getLong("credit_timeout_ms", 30_000L));
    admission = new AdmissionQueue<>(descriptor.concurrency(), config().getInteger("max_queue", 64), operations::run);
    long heartbeatMs = config().getLong("heartbeat_ms", 2_000L);
    return backend.start().compose(v -> {
      consumer = vertx.eventBus().consumer(Addresses.backend(d.id()), this::handle);
      instanceConsumer = vertx.eventBus().consumer(Addresses.instance(instanceId), this::handle);
      syncConsumer = vertx.eventBus().consumer(Addresses.REGISTRY_SYNC, m -> announce());
      heartbeatTimer = vertx.setPeriodic(heartbeatMs, t -> heartbeat());
      return Future.all(consumer.completion(), instanceConsumer.completion(), syncConsumer.completion());
    }).onSuccess(v -> heartbeat());
  }

  /**
   * Leaves, then drains. The instance's own address stays served for {@code leave_grace_ms} (clustered: one heartbeat)
   * after "leaving" was announced: a router that chose this instance just before it heard of the leave sends here, and
   * a clustered message to an address nobody consumes any more is dropped by Vert.x without an answer (the router
   * would wait for the request's deadline). What arrives meanwhile is served and drained like the rest. The backend's
   * shared address and the registry sync go at once. In one JVM there is no such wait (a request to an address nobody
   * consumes fails at once with NO_HANDLERS, which the router's failover moves on), so the grace defaults to 0 there and
   * a node or a hot reload stops as fast as before.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(heartbeatTimer);
    publish(descriptor.withHealth(health).asLeaving());
    long grace = config().getLong("leave_grace_ms", vertx.isClustered() ? config().getLong("heartbeat_ms", 2_000L) : 0L);
    Promise<Void> graceOver = Promise.promise();
    if (grace > 0) {
      vertx.setTimer(grace, t -> graceOver.complete());
    } else {
      graceOver.complete();
    }
    Future<Void> unregister = Future.all(consumer.unregister(), syncConsumer.unregister()).mapEmpty();
    return unregister
      .compose(v -> graceOver.future())
      .compose(v -> instanceConsumer.unregister())
      .compose(v -> admission.idle(vertx, config().getLong("drain_timeout_ms", 30_000L)))
      .onSuccess(left -> {
        if (left > 0) {
          LOG.log(System.Logger.Level.WARNING, "{0}: drain timeout, {1} request(s) still in flight", descriptor.id(), left);
        }
      })
      .eventually(backend::stop);
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
      publish(descriptor.withHealth(health).withListed(backend.listedModels()));
    }
  }

  private void publish(BackendDescriptor d) {
    vertx.eventBus().publish(Addresses.REGISTRY, d.toJson().put("inflight", admission.running()).put("queued", admission.queued()));
  }

  private void handle(Message<Object> msg) {
    if (Headers.OP_HEALTH.equals(msg.headers().get(Headers.OP))) {
      backend.health().onComplete(ar -> msg.reply((ar.succeeded() ? ar.result() : Health.down("health check failed")).toJson()));
    } else if (!admission.offer(msg)) {
      msg.reply(new MeshException(ErrorCode.RATE_LIMITED, descriptor.id() + " is at capacity (" + descriptor.concurrency()
        + " running, " + admission.queued() + " queued)", null, 1000));
    }
  }

  /** Delivery options for a request to a backend, with the deadline measured from now ({@link Headers#toBackend}). */
  public static DeliveryOptions requestOptions(String op, String requestId, String keyId, long deadlineMs) {
    return Headers.toBackend(op, requestId, keyId, deadlineMs, System.currentTimeMillis());
  }
}
