package io.switchboard.llm.jlama;

import com.github.tjake.jlama.safetensors.DType;
import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.Prices;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.llm.LocalModelDescriptor;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A {@code jlama} backend's conf entry, read and checked once:
 * <pre>
 * - id: local-llama
 *   type: jlama
 *   model: tjake/Llama-3.2-1B-Instruct-JQ4   # a folder under the models dir (or model_path: /abs/folder);
 *                                            # weights F32, F16, BF16 or Jlama's Q4 (Jlama cannot run Q8)
 *   working_dtype: F32          # activations: F32 (default) or BF16
 *   working_qtype: I8           # activation quantisation for quantized weights: I8 (default), F32, BF16
 *   quantize: Q4                # optional: run a Q4 copy of F32/F16/BF16 weights, made once beside the folder (<name>-JQ4)
 *   q4_kernel: vector           # Q4 weights: vector (default, where the CPU has AVX-512: Switchboard's own forward pass for
 *                               # Llama-style models with working_qtype I8, prompt in blocks and integer kernels, and its
 *                               # Vector API kernel under Jlama's pass for the rest) or jlama (Jlama's kernels and pass).
 *                               # The kernel under Jlama's pass is process-wide: the last loaded backend decides
 *   prefix_cache_bytes: 536870912  # key/value caches of recent prompts and answers kept for reuse (Switchboard's pass
 *                               # only; 0 turns reuse off)
 *   concurrency: 1              # generations at once (default 1: one generation already uses every core)
 *   max_queue: 8                # requests waiting beyond that; more get 429
 *   default_max_tokens: 512     # when a request gives no max_tokens
 *   temperature: 1.0            # when a request gives none; top_p likewise (1.0)
 *   electricity_per_mtok: 0.0   # optional cost per million tokens, in and out
 * </pre>
 */
record JlamaSettings(Path modelDir, String modelName, DType workingDType, DType workingQType, Optional<DType> quantizeTo,
                     boolean vectorKernel, long prefixCacheBytes, int defaultMaxTokens, double defaultTemperature, double defaultTopP, BackendDescriptor descriptor) {

  static JlamaSettings from(BackendConfig conf, Path modelsDir) {
    JsonObject json = conf.json();
    String path = json.getString("model_path");
    String model = json.getString("model");
    if ((path == null || path.isBlank()) && (model == null || model.isBlank())) {
      throw new IllegalArgumentException("a jlama backend needs 'model' (a folder under " + modelsDir + ") or 'model_path'");
    }
    Path dir = path != null && !path.isBlank() ? Path.of(path) : JlamaModels.folderOf(model, modelsDir);
    String name = model != null && !model.isBlank() ? model : dir.getFileName().toString();
    DType working = dtype(json, "working_dtype", "F32", Set.of(DType.F32, DType.BF16));
    DType workingQ = dtype(json, "working_qtype", "I8", Set.of(DType.I8, DType.F32, DType.BF16));
    Optional<DType> quantize = Optional.ofNullable(json.getString("quantize"))
      .map(q -> dtype(json, "quantize", q, Set.of(DType.Q4)));
    String kernel = json.getString("q4_kernel", "vector").trim().toLowerCase(Locale.ROOT);
    if (!kernel.equals("vector") && !kernel.equals("jlama")) {
      throw new IllegalArgumentException("'q4_kernel' must be 'vector' or 'jlama', got '" + json.getString("q4_kernel") + "'");
    }
    long prefixCacheBytes = json.getLong("prefix_cache_bytes", 512L << 20);
    if (prefixCacheBytes < 0) {
      throw new IllegalArgumentException("'prefix_cache_bytes' must be 0 (no reuse) or more");
    }
    int maxTokens = json.getInteger("default_max_tokens", 512);
    if (maxTokens < 1) {
      throw new IllegalArgumentException("'default_max_tokens' must be positive");
    }
    double temperature = json.getDouble("temperature", 1.0);
    double topP = json.getDouble("top_p", 1.0);
    if (temperature < 0 || temperature > 2 || topP <= 0 || topP > 1) {
      throw new IllegalArgumentException("'temperature' must be in [0, 2] and 'top_p' in (0, 1]");
    }
    return new JlamaSettings(dir, name, working, workingQ, quantize, kernel.equals("vector"), prefixCacheBytes, maxTokens, temperature, topP,
      // Chat only, concurrency 1 unless conf says otherwise; electricity is paid on tokens in and out.
      LocalModelDescriptor.loading(conf, "jlama", Capability.CHAT, 1, name, e -> new Prices(e, e, 0, 0, 0)));
  }

  /** Q8 is what Jlama calls I8. */
  private static DType dtype(JsonObject json, String key, String fallback, Set<DType> allowed) {
    String v = json.getString(key, fallback).trim().toUpperCase(Locale.ROOT);
    DType t;
    try {
      t = DType.valueOf(v.equals("Q8") ? "I8" : v);
    } catch (IllegalArgumentException e) {
      t = null;
    }
    if (t == null || !allowed.contains(t)) {
      throw new IllegalArgumentException("'" + key + "' must be one of " + allowed.stream().map(x -> x == DType.I8 ? "I8/Q8" : x.name()).sorted().toList()
        + ", got '" + json.getString(key, fallback) + "'");
    }
    return t;
  }
}
