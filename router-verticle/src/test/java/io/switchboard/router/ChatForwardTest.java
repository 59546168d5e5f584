package io.switchboard.router;

import io.switchboard.api.ChatBody;
import io.switchboard.api.ChatRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Each attempt of a chat goes to its backend with the request decoded for it, and that request is the one the backend
 * would decode from the attempt's JSON (which it does when the body crosses the cluster).
 */
class ChatForwardTest {

  private static List<JsonObject> bodies() {
    JsonArray messages = new JsonArray().add(new JsonObject().put("role", "system").put("content", "be brief"))
      .add(new JsonObject().put("role", "user").put("content", "hi"));
    return List.of(
      new JsonObject().put("model", "light").put("messages", messages.copy()),
      new JsonObject().put("model", "light").put("messages", messages.copy()).put("cache", "no-store").put("privacy", "local")
        .put("strategy", "cost").put("max_cost", 0.01).put("timeout_ms", 5000),
      new JsonObject().put("model", "gpt-4o").put("messages", messages.copy()).put("stream", true).put("max_completion_tokens", 64)
        .put("temperature", 0.7).put("top_p", 0.9).put("stop", new JsonArray().add("\n")).put("seed", 7)
        .put("tools", new JsonArray()).put("stream_options", new JsonObject().put("include_usage", true)));
  }

  @Test
  void eachAttemptCarriesTheRequestItsJsonDecodesTo() {
    for (JsonObject body : bodies()) {
      RoutedRequest.Forward forward = RoutedRequest.Forward.chat(body, ChatRequest.fromJson(body));
      for (String model : List.of("qwen2.5:0.5b", "gpt-4o-mini")) {
        ChatBody attempt = assertInstanceOf(ChatBody.class, forward.body().apply(model));
        JsonObject json = new JsonObject(attempt.getMap());
        assertEquals(model, json.getString("model"));
        assertFalse(json.containsKey("cache"), "the mesh's own cache field stays in the router");
        assertEquals(ChatRequest.fromJson(json), attempt.request(), body.encode());
      }
      assertEquals(body, bodies().get(bodies().indexOf(body)), "the caller's body is not changed");
    }
  }
}
