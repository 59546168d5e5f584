package io.switchboard.router.admin;

import io.switchboard.api.Capability;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.EmbeddingRequest;
import io.switchboard.api.MeshException;
import io.switchboard.api.RouteHints;
import io.switchboard.api.SpeechRequest;
import io.switchboard.router.Routing;
import io.switchboard.router.policy.CostEstimator;
import io.switchboard.router.policy.PlanRequest;
import io.switchboard.router.policy.RequestSize;
import io.vertx.core.json.JsonObject;

/**
 * A request an operator types into the admin API to see what the router would do with it (cost comparison, dry-run
 * plan): a chat, embeddings or speech body as the HTTP API takes it, or
 * {@code {"capability":"transcribe","model",...,"audio_seconds":N,"language"}}, since an upload's size is all a plan
 * needs of it. {@code capability} may be given for the others too; without it the body's fields tell.
 */
record AdminRequest(Capability capability, String model, RouteHints hints, RequestSize size, String language) {

  /** Reads the body (a copy is read: {@code capability} is not a field of the real requests); a bad one is a 400. */
  static AdminRequest parse(JsonObject body, Routing routing) {
    JsonObject b = body.copy();
    Capability capability = capability(b);
    return switch (capability) {
      case CHAT -> {
        ChatRequest r = ChatRequest.fromJson(b);
        yield new AdminRequest(capability, r.model(), r.hints(), routing.costs().chat(r), null);
      }
      case EMBED -> {
        EmbeddingRequest r = EmbeddingRequest.fromJson(b);
        yield new AdminRequest(capability, r.model(), r.hints(), CostEstimator.embedding(r), null);
      }
      case SPEECH -> {
        SpeechRequest r = SpeechRequest.fromJson(b);
        yield new AdminRequest(capability, r.model(), r.hints(), CostEstimator.speech(r), null);
      }
      default -> {
        if (!(b.getValue("model") instanceof String m) || m.isBlank()) {
          throw MeshException.invalid("model", "'model' is required");
        }
        if (!(b.getValue("audio_seconds") instanceof Number n) || n.doubleValue() < 0) {
          throw MeshException.invalid("audio_seconds", "'audio_seconds' (a non-negative number) is required for transcription");
        }
        Object language = b.getValue("language");
        if (language != null && !(language instanceof String)) {
          throw MeshException.invalid("language", "'language' must be a language code such as 'en'");
        }
        String lang = language == null || ((String) language).isBlank() ? null : (String) language;
        yield new AdminRequest(capability, m, RouteHints.fromJson(b), new RequestSize(0, 0, n.doubleValue(), 0), lang);
      }
    };
  }

  /** This request as the policy sees it, with {@code hints} in place of its own. */
  PlanRequest plan(RouteHints hints) {
    return new PlanRequest(capability, model, hints, null, size, language);
  }

  JsonObject sizeJson() {
    return new JsonObject().put("input_tokens", size.inputTokens()).put("output_tokens", size.outputTokens())
      .put("audio_seconds", size.audioSeconds()).put("characters", size.characters());
  }

  private static Capability capability(JsonObject body) {
    Object c = body.remove("capability");
    if (c != null) {
      try {
        return Capability.parse(String.valueOf(c));
      } catch (IllegalArgumentException e) {
        throw MeshException.invalid("capability", e.getMessage());
      }
    }
    if (body.containsKey("messages")) {
      return Capability.CHAT;
    }
    if (body.containsKey("voice") || (body.getValue("input") instanceof String && body.containsKey("response_format"))) {
      return Capability.SPEECH;
    }
    if (body.containsKey("audio_seconds")) {
      return Capability.TRANSCRIBE;
    }
    return Capability.EMBED;
  }
}
