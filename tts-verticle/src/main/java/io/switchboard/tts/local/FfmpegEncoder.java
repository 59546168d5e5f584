package io.switchboard.tts.local;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.audio.PcmAudio;
import io.switchboard.core.audio.WavWriter;
import io.switchboard.core.process.StreamDrain;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * mp3, opus (Ogg), aac (ADTS) and flac through one ffmpeg process per request: raw 16-bit PCM goes in on stdin
 * sentence by sentence, and whatever ffmpeg has encoded is read from stdout on a virtual thread and sent on as it
 * comes ({@code -flush_packets 1}), so compressed speech streams like the raw forms do. The PCM is brought to the
 * delivery rate by the shared Resampler first, so ffmpeg only encodes.
 */
final class FfmpegEncoder implements AudioEncoder {

  private static final long START_TIMEOUT_MS = 10_000;

  private final Path ffmpeg;
  private final OutputFormat format;
  private final int rate;
  private final Consumer<Buffer> sink;
  private final Cancellation cancellation;
  private final CompletableFuture<Process> started = new CompletableFuture<>();
  private final AtomicBoolean opening = new AtomicBoolean();
  private volatile boolean aborted;
  private volatile Process process;
  private OutputStream stdin;
  private Thread reader;
  private StreamDrain stderr;
  private volatile IOException readFailure;

  FfmpegEncoder(Path ffmpeg, OutputFormat format, int rate, Consumer<Buffer> sink, Cancellation cancellation) {
    this.ffmpeg = ffmpeg;
    this.format = format;
    this.rate = rate;
    this.sink = sink;
    this.cancellation = cancellation;
  }

  /** The ffmpeg command line for this format and rate. */
  List<String> command() {
    List<String> cmd = new ArrayList<>(List.of(ffmpeg.toString(), "-hide_banner", "-loglevel", "error",
      "-f", "s16le", "-ar", Integer.toString(rate), "-ac", "1", "-i", "pipe:0"));
    cmd.addAll(format.ffmpegArgs());
    cmd.addAll(List.of("-flush_packets", "1", "pipe:1"));
    return cmd;
  }

  /**
   * Starts ffmpeg on a virtual thread and returns at once, so its start-up (a few hundred milliseconds on a busy
   * machine) overlaps the first sentence's synthesis instead of delaying the first audio.
   */
  @Override
  public void open() {
    if (!opening.compareAndSet(false, true)) {
      return;
    }
    Thread.ofVirtual().name("local-tts-ffmpeg-start").start(() -> {
      try {
        Process p = new ProcessBuilder(command()).start();
        process = p;
        cancellation.attach(p);
        stdin = p.getOutputStream();
        stderr = StreamDrain.start(p.getErrorStream(), "local-tts-drain", 2048);
        InputStream stdout = p.getInputStream();
        reader = Thread.ofVirtual().name("local-tts-ffmpeg").start(() -> pump(stdout));
        if (aborted) {
          p.destroyForcibly();
        }
        started.complete(p);
      } catch (IOException | RuntimeException e) {
        started.completeExceptionally(e);
      }
    });
  }

  /** Waits for {@link #open()} to have started ffmpeg. */
  private void awaitStarted(long timeoutMs) {
    open();
    try {
      started.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new MeshException(ErrorCode.UNAVAILABLE, "cannot start ffmpeg: " + e.getCause().getMessage());
    } catch (TimeoutException e) {
      throw new MeshException(ErrorCode.TIMEOUT, "ffmpeg did not start within " + timeoutMs + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MeshException(ErrorCode.INTERNAL, "interrupted while ffmpeg started");
    }
    cancellation.check();
  }

  @Override
  public void write(PcmAudio audio, boolean last) {
    awaitStarted(START_TIMEOUT_MS);
    try {
      stdin.write(WavWriter.pcm16Samples(audio.resampledTo(rate).samples()));
      stdin.flush();
    } catch (IOException e) {
      cancellation.check();
      // A closed stdin means ffmpeg gave up; stop it for good so its stderr can be read to the end.
      abort();
      throw new MeshException(ErrorCode.INTERNAL, "ffmpeg stopped taking audio: " + stderrText());
    }
  }

  private void pump(InputStream stdout) {
    byte[] buf = new byte[16 * 1024];
    try (stdout) {
      int n;
      while ((n = stdout.read(buf)) >= 0) {
        if (n > 0) {
          sink.accept(Buffer.buffer(Arrays.copyOf(buf, n)));
        }
      }
    } catch (IOException e) {
      readFailure = e;
    }
  }

  @Override
  public void finish(long timeoutMs) {
    awaitStarted(timeoutMs);
    try {
      stdin.close();
      if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new MeshException(ErrorCode.TIMEOUT, "ffmpeg did not finish encoding within " + timeoutMs + " ms");
      }
      reader.join(timeoutMs);
      cancellation.check();
      if (process.exitValue() != 0 || readFailure != null) {
        throw new MeshException(ErrorCode.INTERNAL, "ffmpeg failed (exit " + process.exitValue() + "): " + stderrText());
      }
    } catch (IOException e) {
      cancellation.check();
      throw new MeshException(ErrorCode.INTERNAL, "ffmpeg: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MeshException(ErrorCode.INTERNAL, "interrupted while ffmpeg encoded");
    } finally {
      cancellation.detach(process);
    }
  }

  @Override
  public void abort() {
    aborted = true;
    Process p = process;
    if (p != null) {
      p.destroyForcibly();
      cancellation.detach(p);
    }
  }

  private String stderrText() {
    try {
      return stderr == null ? "(no message)" : EngineProcess.message(stderr);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(interrupted)";
    }
  }
}
