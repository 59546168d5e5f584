package io.switchboard.llm.embed;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/**
 * OpenAI's embeddings response: {@code {"object":"list","data":[{"object":"embedding","index","embedding"}],
 * "model","usage":{"prompt_tokens","total_tokens"}}}. {@code dimensions} keeps the first components and rescales
 * them to unit length; {@code base64} is the vector's little-endian float32 bytes, as OpenAI sends it.
 */
final class EmbeddingResponses {

  private EmbeddingResponses() {
  }

  static JsonObject list(String model, float[][] vectors, Integer dimensions, String encodingFormat, long promptTokens) {
    JsonArray data = new JsonArray();
    for (int i = 0; i < vectors.length; i++) {
      float[] v = dimensions == null || dimensions >= vectors[i].length ? vectors[i] : shorten(vectors[i], dimensions);
      data.add(new JsonObject().put("object", "embedding").put("index", i)
        .put("embedding", "base64".equals(encodingFormat) ? base64(v) : floats(v)));
    }
    return new JsonObject().put("object", "list").put("data", data).put("model", model)
      .put("usage", new JsonObject().put("prompt_tokens", promptTokens).put("total_tokens", promptTokens));
  }

  /** The first {@code n} components, renormalised (the cut of a unit vector is shorter than 1). */
  static float[] shorten(float[] v, int n) {
    double norm = 0;
    for (int i = 0; i < n; i++) {
      norm += (double) v[i] * v[i];
    }
    norm = Math.sqrt(norm);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (norm == 0 ? 0 : v[i] / norm);
    }
    return out;
  }

  static String base64(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return Base64.getEncoder().encodeToString(b.array());
  }

  /** Reads a {@code base64} embedding back (for callers and tests). */
  static float[] fromBase64(String s) {
    ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(s)).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[b.remaining() / Float.BYTES];
    b.asFloatBuffer().get(out);
    return out;
  }

  private static JsonArray floats(float[] v) {
    JsonArray a = new JsonArray();
    for (float f : v) {
      a.add(f);
    }
    return a;
  }
}
