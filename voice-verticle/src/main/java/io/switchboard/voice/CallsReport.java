package io.switchboard.voice;

import io.switchboard.api.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.UUID;

/**
 * Tells the cluster's admin pages which calls are open on this node: every {@value #PERIOD_MS} ms it publishes them on
 * {@link Addresses#VOICE_CALLS} (also with none, so that a page knows the node takes calls and its room). Voice nodes
 * and the routers an operator opens the page on are usually different pods; a page asks its own node, which gathers
 * these. One small message a second per voice node.
 */
final class CallsReport {

  static final long PERIOD_MS = 1000;

  private final Vertx vertx;
  private final CallRegistry registry;
  private final int maxCalls;
  private final String node;
  private final String nodeId = UUID.randomUUID().toString();
  private long timer = -1;

  /** @param node this node's name in the admin pages (as the web verticle's {@code http.node_name}) */
  CallsReport(Vertx vertx, CallRegistry registry, int maxCalls, String node) {
    this.vertx = vertx;
    this.node = node;
    this.registry = registry;
    this.maxCalls = maxCalls;
  }

  void start() {
    publish();
    timer = vertx.setPeriodic(PERIOD_MS, t -> publish());
  }

  void stop() {
    vertx.cancelTimer(timer);
  }

  JsonObject snapshot() {
    return new JsonObject().put("node", node).put("node_id", nodeId).put("calls", new JsonArray(registry.calls()))
      .put("active", registry.active()).put("max_calls", maxCalls).put("draining", registry.draining());
  }

  private void publish() {
    vertx.eventBus().publish(Addresses.VOICE_CALLS, snapshot());
  }
}
