package io.switchboard.llm.jlama;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.ChatChunks;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.ConversationKey;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Health;
import io.switchboard.api.MeshException;
import io.switchboard.api.Usage;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.ChatBackend;
import io.switchboard.core.stream.ChunkPipe;
import io.switchboard.llm.ModelWorkers;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Local chat on Jlama. The model loads once in {@link #start()} on this backend's own worker pool (health says
 * DOWN "loading" until then); every generation runs on that pool, never on an event loop, and streams OpenAI chunks
 * to the bus through a {@link ChunkPipe}. How many generations run at once and how many wait is the
 * {@code BackendVerticle}'s gate (descriptor concurrency, default 1, and its {@code max_queue}); the pool is sized to
 * the same concurrency.
 * <p>
 * Where Switchboard's pass runs the model, recent prompts' key/value caches are reused ({@link PrefixCache}): a
 * conversation's next turn, an ordinary chat request with the growing history, runs only its new tokens. The cache's
 * occupancy and counters are reported as the reason of the (up) health, which the registry and the status page show,
 * and as meters of the node ({@link PrefixCacheMeters});
 * usage says how many prompt tokens came from it ({@code prompt_tokens_details.cached_tokens}, as OpenAI does).
 */
public final class JlamaBackend implements ChatBackend {

  private static final System.Logger LOG = System.getLogger(JlamaBackend.class.getName());

  private final Vertx vertx;
  private final JlamaSettings settings;
  private final Callable<JlamaEngine> loader;
  private WorkerExecutor executor;
  private volatile JlamaEngine engine;
  private volatile String loadFailure;
  private PrefixCacheMeters meters;
  private volatile boolean closing;
  private final AtomicInteger active = new AtomicInteger();

  JlamaBackend(Vertx vertx, JlamaSettings settings) {
    this(vertx, settings, () -> JlamaEngine.load(settings.modelDir(), settings.workingDType(), settings.workingQType(), settings.quantizeTo(),
      settings.vectorKernel(), settings.prefixCacheBytes(), settings.descriptor().concurrency()));
  }

  /** {@code loader} runs on a worker at start; tests hand a gated one to watch the loading state. */
  JlamaBackend(Vertx vertx, JlamaSettings settings, Callable<JlamaEngine> loader) {
    this.vertx = vertx;
    this.settings = settings;
    this.loader = loader;
  }

  @Override
  public BackendDescriptor descriptor() {
    return settings.descriptor();
  }

  @Override
  public Future<Void> start() {
    // Generations last minutes on big models: no blocked-thread warnings below two hours.
    executor = vertx.createSharedWorkerExecutor("switchboard-jlama-" + settings.descriptor().id(),
      settings.descriptor().concurrency(), 2, TimeUnit.HOURS);
    long t0 = System.nanoTime();
    return executor.executeBlocking(loader, false)
      .onSuccess(e -> {
        engine = e;
        e.prefixCache().ifPresent(c -> meters = PrefixCacheMeters.register(BackendRegistries.getDefaultNow(), settings.descriptor().id(), c));
        LOG.log(System.Logger.Level.INFO, "{0}: loaded {1} from {2} in {3} ms", settings.descriptor().id(), settings.modelName(),
          settings.modelDir(), (System.nanoTime() - t0) / 1_000_000);
      })
      .recover(err -> {
        loadFailure = message(err);
        return Future.failedFuture(new IllegalStateException("cannot load " + settings.modelDir() + ": " + loadFailure, err));
      })
      .mapEmpty();
  }

  @Override
  public Future<Health> health() {
    JlamaEngine e = engine;
    if (e != null) {
      return Future.succeededFuture(e.prefixCacheStats().map(s -> new Health(Health.Status.UP, s.summary())).orElse(Health.UP));
    }
    return Future.succeededFuture(Health.down(loadFailure == null ? "loading" : "load failed: " + loadFailure));
  }

  @Override
  public Future<Void> stop() {
    closing = true;
    if (meters != null) {
      meters.close();
    }
    JlamaEngine e = engine;
    engine = null;
    return ModelWorkers.close(executor, e);
  }

  /** Generations running on the worker pool now. */
  public int activeGenerations() {
    return active.get();
  }

  /** The prefix cache's counters, when prompts reuse cached prefixes (Switchboard's pass and a budget above 0). */
  public Optional<PrefixCache.Stats> prefixCacheStats() {
    JlamaEngine e = engine;
    return e == null ? Optional.empty() : e.prefixCacheStats();
  }

  /** {@link ConversationKey}s of the conversations whose caches this instance holds, most recently used first. */
  public List<String> cachedConversations() {
    JlamaEngine e = engine;
    return e == null ? List.of() : e.cachedConversations();
  }

  /** Tokens sampled since the model loaded (for tests and metrics). */
  public long generatedTokens() {
    JlamaEngine e = engine;
    return e == null ? 0 : e.generatedTokens();
  }

  @Override
  public Future<JsonObject> chat(ChatRequest request, CallContext context) {
    JlamaEngine e = engine;
    if (e == null) {
      return Future.failedFuture(notReady());
    }
    String id = completionId();
    long created = System.currentTimeMillis() / 1000;
    Context ctx = vertx.getOrCreateContext();
    Promise<JsonObject> answered = Promise.promise();
    // The answer is given as soon as it is complete (on the caller's context), before the engine keeps what a next turn
    // starts with; the worker is busy until then.
    executor.executeBlocking(() -> run(e, request, context, text -> { }, () -> closing, r -> {
      JsonObject answer = ChatChunks.completion(id, created, settings.modelName(), r.text(), r.finishReason(), usage(r));
      answer.put("usage", usageJson(r));
      ctx.runOnContext(v -> answered.tryComplete(answer));
    }), false).onFailure(err -> {
      if (err instanceof RuntimeException re) {
        logUnexpected(re);
      }
      answered.tryFail(err);
    });
    return answered.future();
  }

  @Override
  public ChunkPipe<JsonObject> chatStream(ChatRequest request, CallContext context) {
    ChunkPipe<JsonObject> pipe = new ChunkPipe<>();
    JlamaEngine e = engine;
    if (e == null) {
      pipe.fail(notReady());
      return pipe;
    }
    Context ctx = vertx.getOrCreateContext();
    PipeFeeder<JsonObject> feeder = new PipeFeeder<>(ctx, pipe);
    String id = completionId();
    long created = System.currentTimeMillis() / 1000;
    String model = settings.modelName();
    executor.executeBlocking(() -> {
      boolean[] first = {true};
      try {
        run(e, request, context, text -> {
          feeder.write(ChatChunks.delta(id, created, model, text, first[0]));
          first[0] = false;
        }, () -> closing || feeder.isCancelled(), r -> {
          // The stream ends as soon as the answer is complete, before the engine keeps what a next turn starts with.
          if (first[0]) {
            feeder.write(ChatChunks.delta(id, created, model, "", true));
          }
          feeder.write(ChatChunks.finish(id, created, model, r.finishReason()));
          feeder.end(new JsonObject().put("usage", usageJson(r)));
        });
      } catch (RuntimeException err) {
        logUnexpected(err);
        feeder.fail(err);
      }
      return null;
    }, false).onFailure(pipe::fail);
    return pipe;
  }

  private JlamaEngine.Result run(JlamaEngine e, ChatRequest request, CallContext context, Consumer<String> onText,
                                 BooleanSupplier cancelled, Consumer<JlamaEngine.Result> done) {
    if (closing) {
      throw new MeshException(ErrorCode.UNAVAILABLE, settings.descriptor().id() + " is shutting down");
    }
    active.incrementAndGet();
    try {
      return e.generate(e.encodeChat(request.messages()), params(request, context), onText, cancelled, ConversationKey.of(request.messages()),
        done);
    } finally {
      active.decrementAndGet();
    }
  }

  private JlamaEngine.Params params(ChatRequest request, CallContext context) {
    return new JlamaEngine.Params(request.maxTokens(), settings.defaultMaxTokens(),
      request.temperature() != null ? request.temperature() : settings.defaultTemperature(),
      request.topP() != null ? request.topP() : settings.defaultTopP(),
      request.seed() != null ? request.seed() : ThreadLocalRandom.current().nextLong(),
      request.stop(), context.deadlineMs());
  }

  private static Usage usage(JlamaEngine.Result r) {
    return new Usage(r.promptTokens(), r.completionTokens());
  }

  /** OpenAI's usage object, with the prompt tokens that came from the prefix cache. */
  private static JsonObject usageJson(JlamaEngine.Result r) {
    return usage(r).toJson().put("prompt_tokens_details", new JsonObject().put("cached_tokens", r.cachedTokens()));
  }

  private MeshException notReady() {
    String why = loadFailure == null ? "is still loading its model" : "could not load its model: " + loadFailure;
    return new MeshException(ErrorCode.UNAVAILABLE, settings.descriptor().id() + " " + why, null, loadFailure == null ? 1000 : 0);
  }

  private static String completionId() {
    return "chatcmpl-" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
  }

  private static void logUnexpected(RuntimeException err) {
    if (!(err instanceof MeshException)) {
      LOG.log(System.Logger.Level.WARNING, "jlama generation failed", err);
    }
  }

  /** Jlama wraps load failures in reflection and runtime wrappers: the deepest cause says what went wrong. */
  private static String message(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }
}
