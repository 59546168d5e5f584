package io.switchboard.bench.asr;

import io.switchboard.api.TranscriptionRequest;
import io.switchboard.asr.whisper.LocalWhisperProvider;
import io.switchboard.asr.whisper.WhisperModels;
import io.switchboard.core.audio.PcmAudio;
import io.switchboard.core.audio.WavDecoder;
import io.switchboard.core.audio.WavWriter;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.TranscriptionBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Local Whisper on this machine's CPU: real-time factor (wall time over audio time, decoding and window cutting
 * included) for a 60 s and a 5 min clip of flite speech, as 16 kHz WAV and as MP3 (decoded by ffmpeg); throughput
 * with 2 concurrent requests; peak resident memory (VmHWM). CPU seconds per audio second are printed beside
 * the wall-clock figures because a shared machine's load inflates wall time but not CPU time.
 *
 * <p>Run (after {@code ./mesh models pull whisper-tiny.en}; needs flite and ffmpeg):
 * <pre>
 * mvn -o -q -pl asr-verticles dependency:build-classpath -Dmdep.outputFile=/tmp/asr.cp
 * java -Xss2m --enable-native-access=ALL-UNNAMED -cp bench/target/classes:asr-verticles/target/classes:$(cat /tmp/asr.cp) \
 *   io.switchboard.bench.asr.WhisperBench [rounds=3]
 * </pre>
 */
public final class WhisperBench {

  private static final String[] VOICES = {"slt", "rms"};
  private static final List<String> SENTENCES = List.of(
    "The quarterly report shows that revenue grew faster than costs for the third time in a row.",
    "Please make sure that every visitor signs in at the front desk before entering the lab.",
    "The bridge will be closed for repairs from Monday until the end of next month.",
    "Our new customers mostly found us through recommendations from their friends.",
    "If the printer jams again, switch it off, wait ten seconds, and switch it back on.",
    "The library extended its opening hours during the exam period.",
    "He forgot his umbrella on the bus and walked home through the rain.",
    "We recommend updating the firmware before connecting the device to the network.",
    "The orchestra rehearsed the final movement until well after midnight.",
    "Fresh bread is delivered to the shop every morning at half past six.");

  private WhisperBench() {
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    Path clips = Files.createDirectories(Path.of("target", "bench-clips"));
    Path model = WhisperModels.pull(WhisperModels.DEFAULT_MODEL, WhisperModels.defaultModelsDir(), System.out);
    byte[] minute = speech(clips, 60);
    byte[] fiveMinutes = speech(clips, 300);
    byte[] fiveMinutesMp3 = mp3(clips, fiveMinutes);
    Vertx vertx = Vertx.vertx();
    try {
      System.out.printf(Locale.ROOT, "%nmachine: %d cores, model %s (%.1f MB)%n", Runtime.getRuntime().availableProcessors(), model,
        Files.size(model) / 1e6);
      TranscriptionBackend single = backend(vertx, model, 1, 2);
      await(single.transcribe(request("warm-up.wav"), Buffer.buffer(minute), ctx()));
      System.out.println("load average at start: " + Files.readString(Path.of("/proc/loadavg")).trim());
      System.out.println("\n| clip | input | runs | wall s (median) | real-time factor | CPU s per audio s |");
      System.out.println("| --- | --- | --- | --- | --- | --- |");
      rtf(single, "60 s", "16 kHz WAV", minute, "a.wav", rounds);
      rtf(single, "5 min", "16 kHz WAV", fiveMinutes, "b.wav", rounds);
      rtf(single, "5 min", "MP3 64 kb/s (ffmpeg)", fiveMinutesMp3, "b.mp3", rounds);
      single.stop().await();

      System.out.println("\n| concurrency | workers x intra-op threads | audio s | wall s | audio s per wall s | CPU s per audio s |");
      System.out.println("| --- | --- | --- | --- | --- | --- |");
      for (int[] layout : new int[][]{{2, 1}, {2, 2}, {1, 2}}) {
        TranscriptionBackend b = backend(vertx, model, layout[0], layout[1]);
        await(b.transcribe(request("warm-up.wav"), Buffer.buffer(minute), ctx()));
        throughput(b, layout, minute, rounds);
        b.stop().await();
      }
      System.out.printf(Locale.ROOT, "%npeak RSS (VmHWM): %s; now (VmRSS): %s%n", status("VmHWM"), status("VmRSS"));
      System.out.println("load average at end: " + Files.readString(Path.of("/proc/loadavg")).trim());
    } finally {
      vertx.close().await();
    }
  }

  private static TranscriptionBackend backend(Vertx vertx, Path model, int workers, int threads) {
    JsonObject conf = new JsonObject().put("id", "bench-whisper").put("type", "local-whisper").put("model_path", model.toString())
      .put("model", WhisperModels.DEFAULT_MODEL).put("workers", workers).put("intra_op_threads", threads);
    TranscriptionBackend b = (TranscriptionBackend) new LocalWhisperProvider().create(vertx, new BackendConfig(conf, Map.of()));
    b.start().await();
    return b;
  }

  private static void rtf(TranscriptionBackend b, String clip, String input, byte[] audio, String name, int rounds) {
    List<Double> walls = new ArrayList<>();
    double duration = 0;
    long cpu0 = cpuNanos();
    for (int i = 0; i < rounds; i++) {
      long t0 = System.nanoTime();
      JsonObject r = await(b.transcribe(request(name), Buffer.buffer(audio), ctx()));
      walls.add((System.nanoTime() - t0) / 1e9);
      duration = r.getDouble("duration");
    }
    walls.sort(Double::compare);
    double median = walls.get(walls.size() / 2);
    double cpuPerAudio = (cpuNanos() - cpu0) / 1e9 / (duration * rounds);
    System.out.printf(Locale.ROOT, "| %s (%.1f s) | %s | %d | %.2f | %.4f | %.4f |%n", clip, duration, input, rounds, median,
      median / duration, cpuPerAudio);
  }

  private static void throughput(TranscriptionBackend b, int[] layout, byte[] audio, int rounds) {
    long t0 = System.nanoTime();
    long cpu0 = cpuNanos();
    double audioSeconds = 0;
    for (int i = 0; i < rounds; i++) {
      List<Future<JsonObject>> both = List.of(b.transcribe(request("c1.wav"), Buffer.buffer(audio), ctx()),
        b.transcribe(request("c2.wav"), Buffer.buffer(audio), ctx()));
      for (Future<JsonObject> f : both) {
        audioSeconds += await(f).getDouble("duration");
      }
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "| 2 | %d x %d | %.0f | %.2f | %.1f | %.4f |%n", layout[0], layout[1], audioSeconds, wall,
      audioSeconds / wall, (cpuNanos() - cpu0) / 1e9 / audioSeconds);
  }

  /** Sentences from both voices with pauses, until {@code seconds} of 16 kHz speech; cached. */
  private static byte[] speech(Path dir, int seconds) throws IOException, InterruptedException {
    Path out = dir.resolve("speech-" + seconds + "s.wav");
    if (Files.exists(out)) {
      return Files.readAllBytes(out);
    }
    List<float[]> parts = new ArrayList<>();
    int total = 0;
    for (int i = 0; total < seconds * 16000; i++) {
      Path wav = dir.resolve("sentence-" + (i % (SENTENCES.size() * VOICES.length)) + ".wav");
      if (!Files.exists(wav)) {
        run(List.of("flite", "-voice", VOICES[i % VOICES.length], "-t", SENTENCES.get(i % SENTENCES.size()), "-o", wav.toString()));
      }
      byte[] bytes = Files.readAllBytes(wav);
      PcmAudio pcm = WavDecoder.decode(bytes, WavDecoder.parse(bytes));
      parts.add(pcm.samples());
      parts.add(new float[16000 * (5 + i % 4) / 10]);
      total += pcm.samples().length + 16000 * (5 + i % 4) / 10;
    }
    float[] all = new float[seconds * 16000];
    int at = 0;
    for (float[] p : parts) {
      int n = Math.min(p.length, all.length - at);
      System.arraycopy(p, 0, all, at, n);
      at += n;
    }
    byte[] wav = WavWriter.pcm16(all, 16000);
    Files.write(out, wav);
    return wav;
  }

  private static byte[] mp3(Path dir, byte[] wav) throws IOException, InterruptedException {
    Path in = dir.resolve("speech-300s.wav");
    Path out = dir.resolve("speech-300s.mp3");
    if (!Files.exists(out)) {
      Files.write(in, wav);
      run(List.of("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", in.toString(), "-c:a", "libmp3lame", "-b:a", "64k",
        out.toString()));
    }
    return Files.readAllBytes(out);
  }

  private static void run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(cmd.get(0) + " failed: " + log);
    }
  }

  private static TranscriptionRequest request(String filename) {
    return TranscriptionRequest.fromJson(new JsonObject().put("model", "whisper-1").put("filename", filename));
  }

  private static CallContext ctx() {
    return new CallContext("bench", null, System.currentTimeMillis() + 3_600_000);
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.MINUTES);
    } catch (Exception e) {
      throw new IllegalStateException("request failed: " + e.getMessage(), e);
    }
  }

  /** CPU time of this process (all threads, ONNX Runtime's included): a figure other machine load does not inflate. */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
      .getProcessCpuTime();
  }

  private static String status(String key) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith(key + ":")) {
        return line.substring(key.length() + 1).trim();
      }
    }
    return "n/a";
  }
}
