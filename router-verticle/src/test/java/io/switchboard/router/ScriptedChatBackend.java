package io.switchboard.router;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.ChatChunks;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Health;
import io.switchboard.api.MeshException;
import io.switchboard.api.Prices;
import io.switchboard.api.Privacy;
import io.switchboard.api.Usage;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.ChatBackend;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real chat backend whose behaviour the test sets: answers with its id and the words it is given, fails before
 * any content (always, or the next few times, optionally with a Retry-After), or cuts its stream after some chunks.
 * It counts the requests it served and records when each came and what its last message said.
 */
public final class ScriptedChatBackend implements ChatBackend {

  public enum Mode { OK, FAIL_BEFORE, CUT_AFTER }

  private final Vertx vertx;
  private final String id;
  private final int priority;
  private final Privacy privacy;
  private final List<String> models;
  private volatile Mode mode = Mode.OK;
  private volatile ErrorCode failure = ErrorCode.UPSTREAM;
  private volatile int cutAfter = 2;
  private volatile List<String> words = List.of("Hello", " from", " the", " mesh", ".");
  private volatile long retryAfterMs;
  private volatile long delayMs;
  private final AtomicInteger failuresLeft = new AtomicInteger();
  private volatile Prices prices = Prices.FREE;
  public final AtomicInteger served = new AtomicInteger();
  public final AtomicInteger cancelled = new AtomicInteger();
  private final Promise<Void> firstCancel = Promise.promise();
  /** Every request received: when (epoch ms) and the text of its last message. */
  public final Queue<Seen> seen = new ConcurrentLinkedQueue<>();

  public record Seen(long atMs, String content, boolean failed) {
  }

  public ScriptedChatBackend(Vertx vertx, String id, int priority, Privacy privacy, List<String> models) {
    this.vertx = vertx;
    this.id = id;
    this.priority = priority;
    this.privacy = privacy;
    this.models = models;
  }

  /** Completes when a caller first cancels one of this backend's streams. */
  public Future<Void> firstCancel() {
    return firstCancel.future();
  }

  public ScriptedChatBackend mode(Mode m, ErrorCode code) {
    this.mode = m;
    this.failure = code;
    return this;
  }

  /** The next {@code times} requests fail with {@code code} (and a Retry-After when {@code retryAfterMs} > 0), then it answers. */
  public ScriptedChatBackend failNext(int times, ErrorCode code, long retryAfterMs) {
    this.failure = code;
    this.retryAfterMs = retryAfterMs;
    this.failuresLeft.set(times);
    this.mode = Mode.OK;
    return this;
  }

  public ScriptedChatBackend prices(Prices p) {
    this.prices = p;
    return this;
  }

  public ScriptedChatBackend cutAfter(int chunks) {
    this.mode = Mode.CUT_AFTER;
    this.cutAfter = chunks;
    return this;
  }

  /** A slow backend: a whole answer comes {@code ms} after the request, and a stream's chunks {@code ms} apart. */
  public ScriptedChatBackend delayMs(long ms) {
    this.delayMs = ms;
    return this;
  }

  public ScriptedChatBackend words(List<String> w) {
    this.words = w;
    return this;
  }

  @Override
  public BackendDescriptor descriptor() {
    return new BackendDescriptor(id, id, "scripted", Set.of(Capability.CHAT), models, Map.of("light", models.get(0)), privacy,
      priority, Map.of("*", prices), 64, Health.UP, false);
  }

  /** Records the request; true when it must fail. */
  private boolean arrive(ChatRequest request) {
    served.incrementAndGet();
    boolean fail = mode == Mode.FAIL_BEFORE || failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
    seen.add(new Seen(System.currentTimeMillis(), request.messages().get(request.messages().size() - 1).text(), fail));
    return fail;
  }

  private MeshException failureNow() {
    return new MeshException(failure, id + " failed on purpose", null, retryAfterMs);
  }

  @Override
  public Future<JsonObject> chat(ChatRequest request, CallContext context) {
    if (arrive(request)) {
      return Future.failedFuture(failureNow());
    }
    String text = String.join("", limit(request));
    JsonObject answer = ChatChunks.completion("cmpl-" + id, 1, request.model(), text, "stop",
      new Usage(request.estimatePromptTokens(), limit(request).size()));
    long delay = delayMs;
    if (delay <= 0) {
      return Future.succeededFuture(answer);
    }
    Promise<JsonObject> later = Promise.promise();
    vertx.setTimer(delay, t -> later.complete(answer));
    return later.future();
  }

  private List<String> limit(ChatRequest request) {
    int n = request.maxTokens() == null ? words.size() : Math.min(words.size(), request.maxTokens());
    return words.subList(0, n);
  }

  @Override
  public ChunkPipe<JsonObject> chatStream(ChatRequest request, CallContext context) {
    boolean fail = arrive(request);
    ChunkPipe<JsonObject> pipe = new ChunkPipe<>(4);
    pipe.cancelHandler(() -> {
      cancelled.incrementAndGet();
      firstCancel.tryComplete();
    });
    if (fail) {
      MeshException e = failureNow();
      vertx.runOnContext(v -> pipe.fail(e));
      return pipe;
    }
    List<String> out = limit(request);
    emit(pipe, request.model(), out, 0);
    return pipe;
  }

  /** One chunk per timer tick, so the stream really is a sequence of bus messages. */
  private void emit(ChunkPipe<JsonObject> pipe, String model, List<String> out, int i) {
    vertx.setTimer(Math.max(1, delayMs), t -> {
      if (pipe.isCancelled()) {
        return;
      }
      if (mode == Mode.CUT_AFTER && i == cutAfter) {
        pipe.fail(new MeshException(ErrorCode.UPSTREAM, id + ": upstream stream ended before [DONE]"));
        return;
      }
      if (i == out.size()) {
        pipe.write(ChatChunks.finish("chunk-" + id, 1, model, "stop"));
        pipe.end(new JsonObject().put("usage", new Usage(3, out.size()).toJson()));
        return;
      }
      pipe.write(ChatChunks.delta("chunk-" + id, 1, model, out.get(i), i == 0));
      emit(pipe, model, out, i + 1);
    });
  }
}
