package io.switchboard.llm.embed;

import ai.onnxruntime.OrtException;
import io.switchboard.api.EmbeddingRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Health;
import io.switchboard.api.MeshException;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.DescribedBackend;
import io.switchboard.core.backend.EmbeddingBackend;
import io.switchboard.llm.ModelWorkers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Local sentence embeddings on ONNX Runtime (all-MiniLM-L6-v2 from its Maven jar by default, 384 dimensions). The
 * model loads in {@link #start()} on this backend's worker pool (health DOWN "loading" until then) and every request
 * is tokenised and computed on that pool, never on an event loop.
 *
 * <p>Inputs longer than {@code max_length} word pieces ([CLS] and [SEP] included; 256 for all-MiniLM-L6-v2, the
 * length it was trained on) are truncated: the vector describes the first 254 word pieces of the text and
 * {@code usage.prompt_tokens} counts the word pieces actually read. {@code dimensions} above the model's width is
 * refused; below it the vector is cut and rescaled to unit length.
 */
public final class OnnxEmbeddingBackend extends DescribedBackend implements EmbeddingBackend {

  private static final System.Logger LOG = System.getLogger(OnnxEmbeddingBackend.class.getName());

  private final Vertx vertx;
  private final EmbeddingSettings settings;
  private WorkerExecutor executor;
  private volatile WordPieceTokenizer tokenizer;
  private volatile SentenceEncoder encoder;
  private volatile String loadFailure;

  OnnxEmbeddingBackend(Vertx vertx, EmbeddingSettings settings) {
    super(settings.descriptor());
    this.vertx = vertx;
    this.settings = settings;
  }

  @Override
  public Future<Void> start() {
    int size = descriptor().concurrency();
    executor = vertx.createSharedWorkerExecutor("switchboard-embed-" + descriptor().id(), size, 10, TimeUnit.MINUTES);
    long t0 = System.nanoTime();
    return executor.executeBlocking(() -> {
      WordPieceTokenizer t = WordPieceTokenizer.fromJson(new JsonObject(Buffer.buffer(read(settings.tokenizerPath(), EmbeddingSettings.BUNDLED_TOKENIZER))));
      SentenceEncoder e = new SentenceEncoder(read(settings.modelPath(), EmbeddingSettings.BUNDLED_MODEL), settings.threads(), settings.spin(), t.padId());
      tokenizer = t;
      encoder = e;
      return null;
    }, false).onSuccess(v -> LOG.log(System.Logger.Level.INFO, "{0}: loaded {1} ({2} dimensions) in {3} ms", descriptor().id(),
      settings.modelName(), encoder.dimensions(), (System.nanoTime() - t0) / 1_000_000))
      .recover(err -> {
        loadFailure = err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage();
        return Future.failedFuture(new IllegalStateException("cannot load " + settings.modelName() + ": " + loadFailure, err));
      }).mapEmpty();
  }

  /** A file when conf names one, else the resource shipped in the model's jar. */
  private static byte[] read(String path, String resource) throws IOException {
    if (path != null) {
      return Files.readAllBytes(Path.of(path));
    }
    try (InputStream in = OnnxEmbeddingBackend.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException(resource + " is not on the classpath");
      }
      return in.readAllBytes();
    }
  }

  @Override
  public Future<Health> health() {
    if (encoder != null) {
      return Future.succeededFuture(Health.UP);
    }
    return Future.succeededFuture(Health.down(loadFailure == null ? "loading" : "load failed: " + loadFailure));
  }

  @Override
  public Future<Void> stop() {
    SentenceEncoder e = encoder;
    encoder = null;
    return ModelWorkers.close(executor, e);
  }

  @Override
  public Future<JsonObject> embed(EmbeddingRequest request, CallContext context) {
    SentenceEncoder e = encoder;
    WordPieceTokenizer t = tokenizer;
    if (e == null || t == null) {
      return Future.failedFuture(new MeshException(ErrorCode.UNAVAILABLE, descriptor().id() + " is still loading its model", null, 1000));
    }
    if (request.inputs().size() > settings.maxInputs()) {
      return Future.failedFuture(MeshException.invalid("input", "at most " + settings.maxInputs() + " inputs per request, got " + request.inputs().size()));
    }
    if (request.dimensions() != null && request.dimensions() > e.dimensions()) {
      return Future.failedFuture(MeshException.invalid("dimensions", "'dimensions' must be at most " + e.dimensions() + " for "
        + settings.modelName() + ", got " + request.dimensions()));
    }
    return executor.executeBlocking(() -> {
      if (System.currentTimeMillis() > context.deadlineMs()) {
        throw new MeshException(ErrorCode.TIMEOUT, "deadline passed before the embeddings were computed");
      }
      List<long[]> ids = new ArrayList<>(request.inputs().size());
      long tokens = 0;
      for (String input : request.inputs()) {
        long[] seq = t.encode(input, settings.maxLength()).ids();
        ids.add(seq);
        tokens += seq.length;
      }
      try {
        float[][] vectors = e.embed(ids, settings.batchSize());
        return EmbeddingResponses.list(settings.modelName(), vectors, request.dimensions(), request.encodingFormat(), tokens);
      } catch (OrtException ex) {
        LOG.log(System.Logger.Level.WARNING, "onnx embeddings failed", ex);
        throw new MeshException(ErrorCode.INTERNAL, "the embedding model failed: " + ex.getMessage());
      }
    }, false);
  }
}
