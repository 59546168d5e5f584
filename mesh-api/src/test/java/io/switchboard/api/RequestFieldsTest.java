package io.switchboard.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The shared first checks of request bodies and the hint fields: each refusal names its field and says why. */
class RequestFieldsTest {

  private static void refused(Runnable read, String param, String message) {
    MeshException e = assertThrows(MeshException.class, read::run);
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertEquals(param, e.param());
    assertEquals(message, e.getMessage());
  }

  @Test
  void everyRequestBodyMustNameAModel() {
    JsonObject messages = new JsonObject().put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    JsonObject input = new JsonObject().put("input", "hi");
    JsonObject events = new JsonObject().put("events", "session.events.1");
    for (Function<JsonObject, ?> read : List.<Function<JsonObject, ?>>of(ChatRequest::fromJson, EmbeddingRequest::fromJson,
      SpeechRequest::fromJson, TranscriptionRequest::fromJson, RealtimeRequest::fromJson)) {
      JsonObject rest = messages.copy().mergeIn(input).mergeIn(events);
      refused(() -> read.apply(null), null, "the request body must be a JSON object");
      refused(() -> read.apply(rest.copy()), "model", "'model' is required");
      refused(() -> read.apply(rest.copy().put("model", 7)), "model", "'model' must be a non-empty string");
      refused(() -> read.apply(rest.copy().put("model", " ")), "model", "'model' must be a non-empty string");
    }
    assertEquals("m", ChatRequest.fromJson(messages.copy().put("model", "m")).model());
    assertEquals("e", EmbeddingRequest.fromJson(input.copy().put("model", "e")).model());
  }

  @Test
  void privacyAndStrategyHintsAreParsedOrRefusedByName() {
    RouteHints none = RouteHints.fromJson(new JsonObject());
    assertNull(none.privacy());
    assertNull(none.strategy());
    RouteHints set = RouteHints.fromJson(new JsonObject().put("privacy", "any").put("strategy", "cost"));
    assertEquals(Privacy.CLOUD, set.privacy());
    assertEquals(Strategy.COST, set.strategy());

    refused(() -> RouteHints.fromJson(new JsonObject().put("privacy", "nowhere")), "privacy",
      "unknown privacy class 'nowhere' (local, private, zdr, cloud, any)");
    refused(() -> RouteHints.fromJson(new JsonObject().put("privacy", 3)), "privacy", "privacy must be a non-empty string");
    refused(() -> RouteHints.fromJson(new JsonObject().put("strategy", "fastest")), "strategy",
      "unknown strategy 'fastest' (fallback, priority, cost, latency, weighted)");
    refused(() -> RouteHints.fromJson(new JsonObject().put("strategy", "")), "strategy", "strategy must be a non-empty string");
  }

  @Test
  void unsetOptionalFieldsAreLeftOutOfTheBusFormAndSetOnesKept() {
    JsonObject bare = TranscriptionRequest.fromJson(new JsonObject().put("model", "w")).toJson();
    assertEquals(new JsonObject().put("model", "w").put("response_format", "json"), bare);
    JsonObject full = new JsonObject().put("model", "w").put("response_format", "text").put("language", "en").put("prompt", "p")
      .put("temperature", 0.5).put("filename", "a.wav").put("content_type", "audio/wav");
    assertEquals(full, TranscriptionRequest.fromJson(full.copy()).toJson());

    JsonObject speech = SpeechRequest.fromJson(new JsonObject().put("model", "t").put("input", "hi")).toJson();
    assertEquals(new JsonObject().put("model", "t").put("input", "hi").put("response_format", "mp3"), speech);
    JsonObject voiced = new JsonObject().put("model", "t").put("input", "hi").put("response_format", "wav").put("voice", "alloy")
      .put("speed", 1.5).put("sample_rate", 16000);
    assertEquals(voiced, SpeechRequest.fromJson(voiced.copy()).toJson());

    JsonObject chat = new JsonObject().put("model", "m").put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    JsonObject upstream = ChatRequest.fromJson(chat.copy()).toUpstreamJson();
    assertEquals(List.of("messages", "model"), upstream.fieldNames().stream().sorted().toList());
    JsonObject sampled = ChatRequest.fromJson(chat.copy().put("temperature", 0.2).put("top_p", 0.9).put("seed", 7)).toUpstreamJson();
    assertEquals(0.2, sampled.getDouble("temperature"));
    assertEquals(0.9, sampled.getDouble("top_p"));
    assertEquals(7, sampled.getInteger("seed"));

    assertEquals(new JsonObject().put("model", "e").put("input", new JsonArray().add("hi")),
      EmbeddingRequest.fromJson(new JsonObject().put("model", "e").put("input", "hi")).toUpstreamJson());
    assertEquals(256, EmbeddingRequest.fromJson(new JsonObject().put("model", "e").put("input", "hi").put("dimensions", 256))
      .toUpstreamJson().getInteger("dimensions"));
  }
}
