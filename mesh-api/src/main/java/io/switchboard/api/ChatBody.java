package io.switchboard.api;

import io.vertx.core.json.JsonObject;

/**
 * A chat request's JSON body together with its validated {@link ChatRequest}, so that the request is decoded once in
 * a node rather than at each of its three stops (the web verticle, the router, the backend: 2.3 % of the event loop at
 * saturation, docs/benchmarks.md). It is a {@code JsonObject}, so every receiver of {@code switchboard.chat} or of a
 * backend's address still gets the JSON the contract names; a Switchboard receiver reads the request with
 * {@link #request(Object)}, which takes the decoded one when the body is this and decodes otherwise.
 *
 * <p>The decoded request travels only where the object does: on a local hop with codec {@link JsonHandOver}, whose
 * receiver gets the sender's object. Vert.x's own codec copies it into a plain {@code JsonObject}, and across the
 * cluster the JSON text is sent, so the receiving node decodes as before. The body and its request must stay in
 * step: the sender builds it from a body it gives away ({@link #of}) and nobody changes the body afterwards (a hand-over
 * already requires that of the sender; a receiver that wants another body copies it, which gives a plain object).
 */
public final class ChatBody extends JsonObject {

  private final ChatRequest request;

  private ChatBody(JsonObject json, ChatRequest request) {
    super(json.getMap()); // the same map: the body is the sender's to give away, so it is not copied
    this.request = request;
  }

  /** Validates {@code json} (a {@link MeshException} naming the field when it is not a chat request) and keeps both. */
  public static ChatBody of(JsonObject json) {
    return new ChatBody(json, ChatRequest.fromJson(json));
  }

  /**
   * {@code json} with a request already decoded from it: the caller vouches that {@code ChatRequest.fromJson(json)}
   * equals {@code request} (the router derives each attempt's body and request from the caller's, see its tests).
   */
  public static ChatBody of(JsonObject json, ChatRequest request) {
    return new ChatBody(json, request);
  }

  public ChatRequest request() {
    return request;
  }

  /** The chat request in a message body: handed over within the node, else decoded (and validated) from the JSON. */
  public static ChatRequest request(Object body) {
    if (body instanceof ChatBody chat) {
      return chat.request;
    }
    if (body instanceof JsonObject json) {
      return ChatRequest.fromJson(json);
    }
    throw MeshException.invalid(null, "the request body must be a JSON object");
  }

  /** Equal to any JSON object with the same content, as a plain one would be (Vert.x compares classes too). */
  @Override
  public boolean equals(Object o) {
    return o instanceof JsonObject json && new JsonObject(getMap()).equals(json instanceof ChatBody ? new JsonObject(json.getMap()) : json);
  }

  @Override
  public int hashCode() {
    return super.hashCode();
  }
}
