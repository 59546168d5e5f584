package io.switchboard.core.testkit.openai;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** The JSON bodies {@link FakeOpenAiServer} sends, shaped field for field like OpenAI's. */
final class FakeReplies {

  static final long CREATED = 1_700_000_000L;

  private FakeReplies() {
  }

  /** The pieces a reply text is streamed in: one word (with its trailing space) each, or {@code n} near-equal parts. */
  static List<String> split(String text, int n) {
    List<String> out = new ArrayList<>();
    if (n <= 0) {
      for (String piece : text.split("(?<= )")) {
        if (!piece.isEmpty()) {
          out.add(piece);
        }
      }
      return out;
    }
    // Walks the text once by code points (never splitting a surrogate pair), without copying it into an int[] first:
    // a long scripted reply (a test's 128 MiB stream) stays cheap on the fake's event loop.
    int count = text.codePointCount(0, text.length());
    int parts = Math.min(n, Math.max(1, count));
    int start = 0;
    for (int i = 0; i < parts; i++) {
      int size = (int) ((long) count * (i + 1) / parts - (long) count * i / parts);
      int end = text.offsetByCodePoints(start, size);
      out.add(text.substring(start, end));
      start = end;
    }
    return out;
  }

  /** A deterministic prompt size: a token per 4 characters of message text, at least 1. */
  static long promptTokens(JsonObject body) {
    long chars = 0;
    JsonArray messages = body.getJsonArray("messages", new JsonArray());
    for (Object m : messages) {
      if (m instanceof JsonObject msg && msg.getValue("content") instanceof String s) {
        chars += s.length();
      }
    }
    return Math.max(1, chars / 4);
  }

  static JsonObject usage(long prompt, long completion) {
    return new JsonObject().put("prompt_tokens", prompt).put("completion_tokens", completion).put("total_tokens", prompt + completion);
  }

  /** What a completion and a stream chunk share: one choice, its {@code part} ("message" or "delta") {@code content}. */
  private static JsonObject envelope(String id, String object, String model, String part, JsonObject content, String finishReason) {
    return new JsonObject()
      .put("id", id)
      .put("object", object)
      .put("created", CREATED)
      .put("model", model)
      .put("system_fingerprint", "fp_fake")
      .put("choices", new JsonArray().add(new JsonObject()
        .put("index", 0)
        .put(part, content)
        .putNull("logprobs")
        .put("finish_reason", finishReason)));
  }

  static JsonObject completion(String id, String model, String text, String finishReason, JsonObject usage) {
    JsonObject json = envelope(id, "chat.completion", model,
      "message", new JsonObject().put("role", "assistant").put("content", text).putNull("refusal"), finishReason);
    if (usage != null) {
      json.put("usage", usage);
    }
    return json;
  }

  /** A stream chunk; {@code withUsageField} adds {@code "usage":null} as OpenAI does when usage was asked for. */
  static JsonObject chunk(String id, String model, JsonObject delta, String finishReason, boolean withUsageField) {
    JsonObject json = envelope(id, "chat.completion.chunk", model, "delta", delta, finishReason);
    if (withUsageField) {
      json.putNull("usage");
    }
    return json;
  }

  static JsonObject usageChunk(String id, String model, JsonObject usage) {
    return new JsonObject()
      .put("id", id)
      .put("object", "chat.completion.chunk")
      .put("created", CREATED)
      .put("model", model)
      .put("system_fingerprint", "fp_fake")
      .put("choices", new JsonArray())
      .put("usage", usage);
  }

  static Buffer sse(JsonObject data) {
    return Buffer.buffer("data: ").appendString(data.encode()).appendString("\n\n");
  }

  /** The vector the fake gives {@code text}: deterministic, so tests can compare. */
  static float[] vector(String text, int dims) {
    float[] v = new float[dims];
    int h = text.hashCode();
    for (int i = 0; i < dims; i++) {
      h = h * 31 + i + 7;
      v[i] = (Math.floorMod(h, 2001) - 1000) / 1000f;
    }
    return v;
  }

  static JsonObject embeddings(String model, List<String> inputs, int dims, boolean base64) {
    JsonArray data = new JsonArray();
    long tokens = 0;
    for (int i = 0; i < inputs.size(); i++) {
      float[] v = vector(inputs.get(i), dims);
      Object embedding;
      if (base64) {
        ByteBuffer bytes = ByteBuffer.allocate(dims * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
          bytes.putFloat(f);
        }
        embedding = Base64.getEncoder().encodeToString(bytes.array());
      } else {
        JsonArray arr = new JsonArray();
        for (float f : v) {
          arr.add(f);
        }
        embedding = arr;
      }
      data.add(new JsonObject().put("object", "embedding").put("index", i).put("embedding", embedding));
      tokens += Math.max(1, inputs.get(i).length() / 4);
    }
    return new JsonObject().put("object", "list").put("data", data).put("model", model)
      .put("usage", new JsonObject().put("prompt_tokens", tokens).put("total_tokens", tokens));
  }

  static JsonObject models(List<String> ids) {
    JsonArray data = new JsonArray();
    ids.forEach(id -> data.add(new JsonObject().put("id", id).put("object", "model").put("created", CREATED).put("owned_by", "fake")));
    return new JsonObject().put("object", "list").put("data", data);
  }

  static JsonObject error(String message, String type, String param, String code) {
    return new JsonObject().put("error", new JsonObject().put("message", message).put("type", type).put("param", param).put("code", code));
  }
}
