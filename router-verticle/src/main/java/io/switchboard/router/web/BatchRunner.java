package io.switchboard.router.web;

import io.switchboard.api.Addresses;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.RouteHints;
import io.switchboard.api.StreamProtocol;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Runs a list of chat requests through the router with at most {@code parallel} in flight and a deadline per item;
 * every item reports its own answer or its own error, in the order given. Streaming is not offered in a batch.
 */
final class BatchRunner {

  private final Vertx vertx;

  BatchRunner(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * @param base delivery options each item starts from (request id, key id); the item's index is appended to the request id
   * @return {@code {"object":"list","data":[{"index","status","response"|"error"}...]}}
   */
  Future<JsonObject> run(JsonArray items, int parallel, long itemTimeoutMs, DeliveryOptions base) {
    JsonObject[] results = new JsonObject[items.size()];
    Promise<JsonObject> done = Promise.promise();
    int[] next = {0};
    int[] finished = {0};
    Runnable[] startNext = new Runnable[1];
    startNext[0] = () -> {
      int i = next[0]++;
      if (i >= items.size()) {
        return;
      }
      runOne(items.getValue(i), i, itemTimeoutMs, base).onComplete(ar -> {
        results[i] = ar.result();
        if (++finished[0] == items.size()) {
          JsonArray data = new JsonArray();
          for (JsonObject r : results) {
            data.add(r);
          }
          done.complete(new JsonObject().put("object", "list").put("data", data));
        } else {
          startNext[0].run();
        }
      });
    };
    if (items.isEmpty()) {
      return Future.succeededFuture(new JsonObject().put("object", "list").put("data", new JsonArray()));
    }
    for (int k = 0; k < Math.min(parallel, items.size()); k++) {
      startNext[0].run();
    }
    return done.future();
  }

  /** One item; never fails: an error is the item's result. */
  private Future<JsonObject> runOne(Object item, int index, long itemTimeoutMs, DeliveryOptions base) {
    JsonObject body;
    try {
      if (!(item instanceof JsonObject json)) {
        throw MeshException.invalid("requests[" + index + "]", "requests[" + index + "] must be a chat completion request object");
      }
      ChatRequest request = ChatRequest.fromJson(json);
      if (request.stream()) {
        throw MeshException.invalid("stream", "requests[" + index + "]: streaming is not supported in a batch");
      }
      long timeout = request.hints().timeoutMs() == null ? itemTimeoutMs : Math.min(itemTimeoutMs, request.hints().timeoutMs());
      body = json.copy().put(RouteHints.TIMEOUT_MS, timeout);
    } catch (MeshException e) {
      return Future.succeededFuture(error(index, e));
    }
    DeliveryOptions options = new DeliveryOptions(base).setSendTimeout(itemTimeoutMs + 1000);
    String rid = base.getHeaders() == null ? null : base.getHeaders().get(Headers.REQUEST_ID);
    if (rid != null) {
      options.getHeaders().set(Headers.REQUEST_ID, rid + "-" + index);
    }
    return vertx.eventBus().<JsonObject>request(Addresses.CHAT, body, options).map(reply -> {
      JsonObject completion = reply.body();
      JsonObject route = completion.getJsonObject(StreamProtocol.ROUTE);
      RouterBus.withoutMeshFields(completion);
      JsonObject result = new JsonObject().put("index", index).put("status", 200).put("response", completion);
      if (route != null) {
        result.put("backend", route.getString("backend"));
      }
      return result;
    }).otherwise(err -> error(index, MeshException.from(err)));
  }

  private static JsonObject error(int index, MeshException e) {
    return new JsonObject().put("index", index).put("status", e.errorCode().httpStatus()).put("error", e.toOpenAiJson().getJsonObject("error"));
  }
}
