package io.switchboard.core.backend;

import io.switchboard.api.EmbeddingRequest;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** A backend that embeds text. */
public interface EmbeddingBackend extends Backend {

  /** OpenAI's {@code {"object":"list","data":[{"object":"embedding","index","embedding"}],"model","usage"}}. */
  Future<JsonObject> embed(EmbeddingRequest request, CallContext context);
}
