package io.switchboard.tts.local;

import io.switchboard.api.ErrorCode;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import static io.switchboard.core.testkit.Await.await;
import static io.switchboard.tts.local.TtsTestSupport.callContext;
import static io.switchboard.tts.local.TtsTestSupport.conf;
import static io.switchboard.tts.local.TtsTestSupport.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sentence-by-sentence streaming against the real flite, observed through a recording wrapper: ordering of
 * engine runs and chunks, back-pressure, cancellation and the engine timeout.
 */
class LocalTtsStreamingTest {

  private static final List<String> SENTENCES = List.of("This is the first sentence.", "Here comes the second one.",
    "A third sentence follows.", "And this is the last sentence.");
  private static final String TEXT = String.join(" ", SENTENCES);

  private Vertx vertx;
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    await(vertx.close());
  }

  private int index(String event) {
    synchronized (events) {
      return events.indexOf(event);
    }
  }

  /** A started backend and the engine that records its runs into {@link #events}. */
  private record Recorded(LocalTtsBackend backend, RecordingEngine engine) {
  }

  /** A backend from {@code conf} whose engine ({@code wrap} applied to the real one) records into {@link #events}. */
  private Recorded recorded(JsonObject conf, UnaryOperator<TtsEngine> wrap) {
    RecordingEngine[] engine = new RecordingEngine[1];
    LocalTtsBackend backend = TtsTestSupport.startedWith(vertx, conf, e -> engine[0] = new RecordingEngine(wrap.apply(e), events));
    return new Recorded(backend, engine[0]);
  }

  /** Speaks {@link #TEXT} as {@code format} on a context of the test's Vert.x; {@code onAvailable} gets the pipe at each news. */
  private void speakOnContext(LocalTtsBackend backend, String format, Consumer<ChunkPipe<Buffer>> onAvailable) {
    vertx.getOrCreateContext().runOnContext(v -> {
      ChunkPipe<Buffer> pipe = backend.speak(request(TEXT, "slt", format, null), callContext());
      pipe.availableHandler(() -> onAvailable.accept(pipe));
    });
  }

  @Test
  void theFirstChunkLeavesBeforeTheLastSentenceIsSynthesised() {
    Recorded rec = recorded(conf("flite-order"), e -> e);
    Promise<Void> done = Promise.promise();
    speakOnContext(rec.backend(), "pcm", pipe -> {
      for (Buffer chunk : pipe.takeAll()) {
        events.add("chunk:" + chunk.length());
      }
      if (pipe.isEnded()) {
        events.add("end");
        done.tryComplete();
      } else if (pipe.failure() != null) {
        done.tryFail(pipe.failure());
      }
    });
    await(done.future());
    String last = SENTENCES.get(SENTENCES.size() - 1);
    int firstChunk;
    synchronized (events) {
      firstChunk = events.stream().filter(e -> e.startsWith("chunk:")).findFirst().map(events::indexOf).orElse(-1);
    }
    assertTrue(firstChunk >= 0, events.toString());
    assertTrue(index("end:" + SENTENCES.get(0)) < firstChunk, events.toString());
    assertTrue(firstChunk < index("start:" + SENTENCES.get(1)), "audio of sentence 1 before sentence 2 starts: " + events);
    assertTrue(firstChunk < index("start:" + last), "first audio before the last sentence is synthesised: " + events);
    assertEquals(SENTENCES.size(), rec.engine().count("start:"), "one engine run per sentence: " + events);
    assertTrue(index("end") > index("end:" + last));
    await(rec.backend().stop());
  }

  @Test
  void aFullPipeHoldsBackTheNextSentenceUntilItDrains() throws Exception {
    Recorded rec = recorded(conf("flite-bp"), e -> e);
    SpeechPlan plan = rec.backend().plan(request(TEXT, "slt", "pcm", null));
    WorkerExecutor workers = vertx.createSharedWorkerExecutor("bp-test", 2);
    Context ctx = vertx.getOrCreateContext();
    ChunkPipe<Buffer> pipe = new ChunkPipe<>(2);
    Promise<Void> full = Promise.promise();
    Promise<Integer> done = Promise.promise();
    List<Buffer> taken = new ArrayList<>();
    ctx.runOnContext(v -> {
      AudioEncoder encoder = new RawEncoder(plan.format(), plan.rate(), b -> ctx.runOnContext(x -> pipe.write(b)));
      new SpeechSession(workers, rec.engine(), plan, encoder, pipe, new Cancellation(), 30_000, callContext()).start();
      pipe.availableHandler(() -> {
        if (pipe.writeQueueFull()) {
          full.tryComplete();
        }
        if (pipe.isEnded()) {
          taken.addAll(pipe.takeAll());
          done.tryComplete(taken.size());
        }
      });
    });
    await(full.future());
    // Nobody takes from the pipe: sentence 3 must not start. A producer ignoring back-pressure would start it at once.
    await(vertx.timer(300));
    assertEquals(2, rec.engine().count("start:"), "paused at the high-water mark: " + events);
    // Taking the items resumes the producer; from now on the consumer takes as it comes.
    ctx.runOnContext(v -> pipe.availableHandler(() -> {
      taken.addAll(pipe.takeAll());
      if (pipe.isEnded()) {
        done.tryComplete(taken.size());
      }
    }));
    assertEquals(SENTENCES.size(), await(done.future()));
    assertEquals(SENTENCES.size(), rec.engine().count("end:"));
    await(workers.close());
    await(rec.backend().stop());
  }

  @Test
  void cancellingAfterTheFirstChunkStopsLaterSentences() {
    Recorded rec = recorded(conf("flite-cancel"), e -> e);
    Promise<Void> cancelled = Promise.promise();
    speakOnContext(rec.backend(), "wav", pipe -> {
      if (pipe.hasItems()) {
        pipe.takeAll();
        pipe.cancel();
        cancelled.tryComplete();
      }
    });
    await(cancelled.future());
    await(vertx.timer(300));
    assertEquals(1, rec.engine().count("start:"), "no sentence after the cancel: " + events);
    await(rec.backend().stop());
  }

  @Test
  void cancellingKillsTheRunningEngine(@TempDir Path dir) throws IOException {
    Path marker = dir.resolve("started");
    Path slow = script(dir, "slow-flite", "touch '" + marker + "'\nexec sleep 60");
    Recorded rec = recorded(conf("flite-kill").put("timeout_ms", 120_000), e -> new SwappedBinaryEngine(e, slow));
    Promise<Void> failed = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> {
      ChunkPipe<Buffer> pipe = rec.backend().speak(request(TEXT, "slt", "wav", null), callContext());
      waitForFile(marker, 200, () -> {
        pipe.cancel();
        failed.tryComplete();
      });
    });
    await(failed.future());
    // The engine sleeps 60 s unless killed; the synthesis call returns only once the process is gone.
    for (int i = 0; i < 100 && rec.engine().count("failed:") == 0; i++) {
      await(vertx.timer(50));
    }
    assertEquals(1, rec.engine().count("failed:"), events.toString());
    synchronized (events) {
      assertTrue(events.stream().anyMatch(e -> e.startsWith("failed:") && e.contains(ErrorCode.CANCELLED.name())), events.toString());
    }
    assertEquals(1, rec.engine().count("start:"));
    await(rec.backend().stop());
  }

  @Test
  void anEngineRunOverTheTimeoutFailsWith504(@TempDir Path dir) throws IOException {
    Path slow = script(dir, "hung-flite", "exec sleep 60");
    LocalTtsBackend backend = TtsTestSupport.startedWith(vertx, conf("flite-timeout").put("timeout_ms", 300),
      e -> new SwappedBinaryEngine(e, slow));
    TtsTestSupport.Spoken spoken = TtsTestSupport.speak(vertx, backend, request(TEXT, "slt", "wav", null));
    assertEquals(ErrorCode.TIMEOUT, spoken.error().errorCode());
    assertTrue(spoken.error().getMessage().contains("300 ms"), spoken.error().getMessage());
    assertFalse(spoken.chunks().stream().anyMatch(b -> b.length() > 0));
    await(backend.stop());
  }

  private void waitForFile(Path file, int tries, Runnable then) {
    if (Files.exists(file) || tries == 0) {
      then.run();
    } else {
      vertx.setTimer(20, t -> waitForFile(file, tries - 1, then));
    }
  }

  private static Path script(Path dir, String name, String body) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    return p;
  }
}
