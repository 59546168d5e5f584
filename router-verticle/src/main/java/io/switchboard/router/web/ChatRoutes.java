package io.switchboard.router.web;

import io.switchboard.api.Addresses;
import io.switchboard.api.Capability;
import io.switchboard.api.ChatBody;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.Headers;
import io.switchboard.api.JsonHandOver;
import io.switchboard.core.stream.BusStreams;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * {@code POST /v1/chat/completions}: the body is validated here (a malformed request never reaches the bus), sent to
 * the router's {@code switchboard.chat}, and answered as OpenAI's {@code chat.completion}, or as its SSE stream
 * ({@link ChatStreamWriter}) when the router answers with a pulled stream.
 */
final class ChatRoutes {

  private final Vertx vertx;
  private final long idleTimeoutMs;

  /** @param idleTimeoutMs how long a stream may wait for its next message from the router */
  ChatRoutes(Vertx vertx, long idleTimeoutMs) {
    this.vertx = vertx;
    this.idleTimeoutMs = idleTimeoutMs;
    JsonHandOver.register(vertx); // the codec of every request it sends
  }

  void mount(Router router, BodyHandler body, JsonRequests json) {
    router.post("/v1/chat/completions").handler(body).handler(json.of(Capability.CHAT, this::chat));
  }

  private void chat(RoutingContext ctx, JsonObject body) {
    ChatBody chat = ChatBody.of(body); // fail fast, before the bus; the router takes the decoded request along
    ChatRequest request = chat.request();
    // The body is the router's once sent (its fields are read through `request` from here on), and the answer is ours.
    DeliveryOptions options = JsonHandOver.options(RouterBus.wholeAsBytes(ctx)).addHeader(Headers.HAND_OVER, Headers.HAND_OVER_JSON);
    vertx.eventBus().<Object>request(Addresses.CHAT, chat, options).onComplete(ar -> {
      if (ar.failed()) {
        HttpErrors.send(ctx, ar.cause());
        return;
      }
      Message<Object> reply = ar.result();
      RouterBus.routeHeaders(ctx.response(), reply);
      if (BusStreams.isStream(reply)) {
        JsonObject streamOptions = request.extra().getJsonObject("stream_options");
        boolean includeUsage = streamOptions != null && streamOptions.getBoolean("include_usage", false);
        new ChatStreamWriter(ctx.response(), idleTimeoutMs, includeUsage).start(reply);
      } else {
        ctx.response().putHeader("content-type", "application/json").end(RouterBus.jsonBody(reply.body()));
      }
    });
  }
}
