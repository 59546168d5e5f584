package io.switchboard.llm.cli;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.ChatChunks;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.Usage;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.ChatBackend;
import io.switchboard.core.backend.DescribedBackend;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Chat through a local command line tool (Simon Willison's {@code llm}, a coding assistant's CLI, any program that
 * reads a prompt on stdin and answers on stdout). The prompt goes to stdin untouched and no shell ever sees it; the
 * answer is stdout, streamed read by read. Exit status non-zero is an upstream failure carrying the last stderr line;
 * the timeout kills the process tree; output beyond {@code max_output_bytes} is cut with finish reason
 * {@code length}. Usage is estimated (four characters a token): a CLI reports none.
 */
public final class CliBackend extends DescribedBackend implements ChatBackend {

  private final Vertx vertx;
  private final CliSettings settings;
  private final WorkerExecutor workers;

  CliBackend(Vertx vertx, CliSettings settings, BackendDescriptor descriptor) {
    super(descriptor);
    this.vertx = vertx;
    this.settings = settings;
    // Blocking reads may last as long as the process may run: keep the blocked-thread checker quiet until then.
    this.workers = vertx.createSharedWorkerExecutor("switchboard-cli-" + descriptor.id(), settings.workerPool(),
      settings.timeoutMs() + 10_000, TimeUnit.MILLISECONDS);
  }

  @Override
  public Future<Void> stop() {
    return workers.close();
  }

  @Override
  public Future<JsonObject> chat(ChatRequest request, CallContext context) {
    Invocation call;
    try {
      call = invocation(request, context);
    } catch (MeshException e) {
      return Future.failedFuture(e);
    }
    StringBuilder answer = new StringBuilder();
    CliRun run = new CliRun(vertx, vertx.getOrCreateContext(), workers, settings);
    return run.start(call.argv(), call.prompt(), call.timeoutMs(), answer::append).map(outcome -> {
      String finish = finishReason(outcome, call);
      String text = answer.toString();
      return ChatChunks.completion(call.id(), call.created(), call.model(), text, finish, usage(request, text));
    });
  }

  @Override
  public ChunkPipe<JsonObject> chatStream(ChatRequest request, CallContext context) {
    ChunkPipe<JsonObject> pipe = new ChunkPipe<>();
    Invocation call;
    try {
      call = invocation(request, context);
    } catch (MeshException e) {
      pipe.fail(e);
      return pipe;
    }
    StringBuilder answer = new StringBuilder();
    CliRun run = new CliRun(vertx, vertx.getOrCreateContext(), workers, settings);
    pipe.cancelHandler(() -> run.stop(CliRun.Stop.CANCEL));
    run.start(call.argv(), call.prompt(), call.timeoutMs(), new CliRun.Sink() {
      @Override
      public void text(String piece) {
        pipe.write(ChatChunks.delta(call.id(), call.created(), call.model(), piece, answer.isEmpty()));
        answer.append(piece);
      }

      @Override
      public boolean full() {
        return pipe.writeQueueFull();
      }

      @Override
      public void whenDrained(Runnable resume) {
        pipe.drainHandler(resume);
      }
    }).onComplete(ar -> {
      if (ar.failed()) {
        pipe.fail(ar.cause());
        return;
      }
      String finish;
      try {
        finish = finishReason(ar.result(), call);
      } catch (MeshException e) {
        pipe.fail(e); // after content too: a stream whose process failed never ends cleanly
        return;
      }
      pipe.write(ChatChunks.finish(call.id(), call.created(), call.model(), finish));
      pipe.end(new JsonObject().put("usage", usage(request, answer.toString()).toJson()));
    });
    return pipe;
  }

  /** What one request runs: the argument list for its model, the rendered prompt, its time budget. */
  private record Invocation(List<String> argv, String prompt, long timeoutMs, String model, String id, long created) {
  }

  private Invocation invocation(ChatRequest request, CallContext context) {
    String model = descriptor().resolveModel(request.model());
    if (model == null) {
      throw new MeshException(ErrorCode.MODEL_NOT_FOUND,
        "model '" + request.model() + "' is not served by " + descriptor().id() + " (" + String.join(", ", descriptor().models()) + ")", "model");
    }
    if (model.startsWith("-")) {
      throw MeshException.invalid("model", "a model name may not start with '-'");
    }
    return new Invocation(settings.argvFor(model), settings.promptFormat().render(request.messages()),
      Math.min(settings.timeoutMs(), context.remainingMs()), model, "cli-" + UUID.randomUUID(), System.currentTimeMillis() / 1000);
  }

  /** The finish reason of a run that ended well; throws the mesh failure of one that did not. */
  private String finishReason(CliRun.Outcome outcome, Invocation call) {
    if (outcome.stoppedBy() == CliRun.Stop.TIMEOUT) {
      throw new MeshException(ErrorCode.TIMEOUT, settings.name() + " did not finish within " + call.timeoutMs() + " ms (killed)");
    }
    if (outcome.stoppedBy() == CliRun.Stop.CANCEL) {
      throw new MeshException(ErrorCode.CANCELLED, settings.name() + " cancelled by the caller (killed)");
    }
    if (outcome.truncated()) {
      return "length";
    }
    if (outcome.exitCode() != 0) {
      String line = outcome.stderrLine();
      throw new MeshException(ErrorCode.UPSTREAM, settings.name() + " exited with status " + outcome.exitCode()
        + (line.isEmpty() ? "" : ": " + line));
    }
    return "stop";
  }

  private static Usage usage(ChatRequest request, String answer) {
    return Usage.estimate(request.estimatePromptTokens(), answer.length());
  }
}
