package io.switchboard.core.web;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Routes a module adds to a node's HTTP server, so that a module the web verticle does not know (the voice calls'
 * WebSockets) serves on the same port. Implementations are found with {@link ServiceLoader}; the node decides which
 * of them run by handing each its conf section under {@code mounts.<configKey>} (absent: not mounted). The server
 * that hosts them (the API's web verticle, or a voice-only node's own server) calls {@link #mount} before it
 * listens, asks {@link #ready} for its readiness, and calls {@link #drain} before it stops accepting connections.
 */
public interface WebMount {

  /** The top-level conf section this mount reads, e.g. {@code voice}. */
  String configKey();

  /** Adds the routes to {@code router}; completes once they can serve. Runs on the hosting verticle's context. */
  Future<Void> mount(Vertx vertx, Router router, JsonObject config);

  /** False while this mount takes no new work (starting, draining): the node's readiness follows it. */
  default boolean ready() {
    return true;
  }

  /**
   * Stops taking new work and completes once the work under way has finished or the mount's own drain time ran out
   * (the node stops after it). Long-lived work (a call) decides its own bound; the server's shutdown comes after.
   */
  default Future<Void> drain() {
    return Future.succeededFuture();
  }

  /** New instances of every mount on the class path. */
  static List<WebMount> discover() {
    List<WebMount> out = new ArrayList<>();
    ServiceLoader.load(WebMount.class).forEach(out::add);
    return out;
  }

  /**
   * Mounts each of {@code mounts} whose section is present in {@code sections} ({@code mounts.<configKey>} of the
   * hosting server's conf; null: none) and returns the ones mounted.
   */
  static Future<List<WebMount>> mountAll(List<WebMount> mounts, Vertx vertx, Router router, JsonObject sections) {
    List<WebMount> chosen = mounts.stream().filter(m -> sections != null && sections.getValue(m.configKey()) instanceof JsonObject).toList();
    List<Future<Void>> started = chosen.stream().map(m -> m.mount(vertx, router, sections.getJsonObject(m.configKey()))).toList();
    return Future.all(started).map(v -> chosen);
  }

  /** Drains every mount (see {@link #drain}); never fails. */
  static Future<Void> drainAll(List<WebMount> mounts) {
    return Future.join(mounts.stream().map(m -> m.drain().recover(e -> Future.succeededFuture())).toList()).mapEmpty();
  }
}
