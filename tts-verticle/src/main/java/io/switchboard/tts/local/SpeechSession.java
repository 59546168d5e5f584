package io.switchboard.tts.local;

import io.switchboard.api.MeshException;
import io.switchboard.core.audio.PcmAudio;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * One speech request, sentence by sentence: render sentence i on a worker, encode it, let its audio reach the
 * pipe, and only then start sentence i + 1, so the first audio leaves after one sentence rather than after the
 * whole text. Waits while the pipe is full (the caller is slower than the engine); stops and kills the engine
 * when the caller cancels. Every method but the worker tasks runs on the request's context.
 */
final class SpeechSession {

  private static final System.Logger LOG = System.getLogger(SpeechSession.class.getName());

  private final WorkerExecutor workers;
  private final TtsEngine engine;
  private final SpeechPlan plan;
  private final AudioEncoder encoder;
  private final ChunkPipe<Buffer> pipe;
  private final Cancellation cancellation;
  private final long timeoutMs;
  private final CallContext context;
  private final long startedNanos = System.nanoTime();
  private long firstAudioNanos;

  SpeechSession(WorkerExecutor workers, TtsEngine engine, SpeechPlan plan, AudioEncoder encoder, ChunkPipe<Buffer> pipe,
                Cancellation cancellation, long timeoutMs, CallContext context) {
    this.workers = workers;
    this.engine = engine;
    this.plan = plan;
    this.encoder = encoder;
    this.pipe = pipe;
    this.cancellation = cancellation;
    this.timeoutMs = timeoutMs;
    this.context = context;
  }

  void start() {
    pipe.cancelHandler(this::cancel);
    encoder.open();
    step(0);
  }

  private void step(int i) {
    if (cancellation.isCancelled()) {
      return;
    }
    List<String> sentences = plan.sentences();
    if (i == sentences.size()) {
      finish();
      return;
    }
    String text = sentences.get(i);
    boolean last = i == sentences.size() - 1;
    workers.<Void>executeBlocking(() -> {
      PcmAudio audio = engine.synthesize(text, plan.voice(), plan.speed(), timeout(), cancellation);
      cancellation.check();
      encoder.write(audio, last);
      return null;
    }, false).onComplete(ar -> {
      if (ar.failed()) {
        failed(ar.cause());
        return;
      }
      if (i == 0) {
        firstAudioNanos = System.nanoTime() - startedNanos;
      }
      if (pipe.writeQueueFull()) {
        pipe.drainHandler(() -> step(i + 1));
      } else {
        step(i + 1);
      }
    });
  }

  private void finish() {
    workers.<Void>executeBlocking(() -> {
      encoder.finish(timeout());
      return null;
    }, false).onComplete(ar -> {
      if (ar.failed()) {
        failed(ar.cause());
      } else {
        pipe.end(new JsonObject().put("characters", plan.characters()));
        LOG.log(System.Logger.Level.DEBUG, () -> String.format("speech %s: %d sentences, %d chars, voice %s, %s, first audio %d ms, all %d ms",
          context.requestId(), plan.sentences().size(), plan.characters(), plan.voice(), plan.format().wireName(),
          firstAudioNanos / 1_000_000, (System.nanoTime() - startedNanos) / 1_000_000));
      }
    });
  }

  private void failed(Throwable error) {
    encoder.abort();
    if (cancellation.isCancelled()) {
      return;
    }
    if (!(error instanceof MeshException)) {
      LOG.log(System.Logger.Level.WARNING, "speech request " + context.requestId() + " failed", error);
    }
    pipe.fail(MeshException.from(error));
  }

  private void cancel() {
    cancellation.cancel();
    encoder.abort();
  }

  /** One engine run may take the configured time, never beyond the request's deadline. */
  private long timeout() {
    return Math.min(timeoutMs, context.remainingMs());
  }
}
