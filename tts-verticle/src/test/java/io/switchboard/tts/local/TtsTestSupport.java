package io.switchboard.tts.local;

import io.switchboard.api.MeshException;
import io.switchboard.api.SpeechRequest;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static io.switchboard.core.testkit.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Builds local-tts backends against the real engines and collects what they stream. */
final class TtsTestSupport {

  private TtsTestSupport() {
  }

  static JsonObject conf(String id) {
    return new JsonObject().put("id", id).put("type", LocalTtsProvider.TYPE);
  }

  /** A started backend built by the provider, as the deployer would. */
  static LocalTtsBackend started(Vertx vertx, JsonObject conf) {
    LocalTtsBackend backend = (LocalTtsBackend) new LocalTtsProvider().create(vertx, new BackendConfig(conf, System.getenv()));
    await(backend.start());
    return backend;
  }

  /** A started backend whose engine is wrapped (to record or slow it down). */
  static LocalTtsBackend startedWith(Vertx vertx, JsonObject conf, UnaryOperator<TtsEngine> wrap) {
    LocalTtsOptions options = LocalTtsOptions.fromJson(conf);
    String path = System.getenv("PATH");
    Path binary = Executables.resolve(options.enginePath(), path);
    assertNotNull(binary, options.enginePath() + " must be installed for this test");
    TtsEngine engine = options.engine().equals(LocalTtsOptions.FLITE) ? new FliteEngine(binary) : new EspeakNgEngine(binary);
    LocalTtsBackend backend = new LocalTtsBackend(vertx, new BackendConfig(conf, System.getenv()), options, wrap.apply(engine),
      Executables.resolve(options.ffmpegPath(), path));
    await(backend.start());
    return backend;
  }

  static SpeechRequest request(String input, String voice, String format, Integer rate) {
    JsonObject body = new JsonObject().put("model", "tts-1").put("input", input).put("response_format", format);
    if (voice != null) {
      body.put("voice", voice);
    }
    if (rate != null) {
      body.put("sample_rate", rate);
    }
    return SpeechRequest.fromJson(body);
  }

  static CallContext callContext() {
    return new CallContext("test", null, System.currentTimeMillis() + 60_000);
  }

  /** What a speech stream delivered: the chunks in order, and the trailer or the failure. */
  record Spoken(List<Buffer> chunks, JsonObject trailer, Throwable failure) {

    Buffer audio() {
      Buffer all = Buffer.buffer();
      chunks.forEach(all::appendBuffer);
      return all;
    }

    byte[] bytes() {
      return audio().getBytes();
    }

    MeshException error() {
      assertNotNull(failure, "expected a failure, got " + chunks.size() + " chunks and " + trailer);
      return assertInstanceOf(MeshException.class, failure);
    }

    Spoken ok() {
      if (failure != null) {
        throw new AssertionError("speech failed: " + failure, failure);
      }
      return this;
    }
  }

  /** Runs {@code speak} on a context, as the verticle does, and takes every chunk until the end or a failure. */
  static Spoken speak(Vertx vertx, LocalTtsBackend backend, SpeechRequest request) {
    Promise<Spoken> done = Promise.promise();
    Context ctx = vertx.getOrCreateContext();
    ctx.runOnContext(v -> {
      ChunkPipe<Buffer> pipe = backend.speak(request, callContext());
      List<Buffer> chunks = new ArrayList<>();
      pipe.availableHandler(() -> {
        chunks.addAll(pipe.takeAll());
        if (pipe.failure() != null) {
          done.tryComplete(new Spoken(chunks, null, pipe.failure()));
        } else if (pipe.isEnded()) {
          done.tryComplete(new Spoken(chunks, pipe.trailer(), null));
        }
      });
    });
    return await(done.future());
  }

  /** A RIFF/WAVE header, parsed here by hand rather than by the code under test. */
  record WavInfo(long riffSize, int format, int channels, int sampleRate, int byteRate, int blockAlign, int bits, int dataOffset,
                 long dataSize) {
  }

  static WavInfo parseWav(byte[] b) {
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals("RIFF", new String(b, 0, 4, StandardCharsets.US_ASCII));
    assertEquals("WAVE", new String(b, 8, 4, StandardCharsets.US_ASCII));
    long riff = bb.getInt(4) & 0xFFFFFFFFL;
    int pos = 12;
    int format = -1;
    int channels = 0;
    int rate = 0;
    int byteRate = 0;
    int blockAlign = 0;
    int bits = 0;
    while (pos + 8 <= b.length) {
      String id = new String(b, pos, 4, StandardCharsets.US_ASCII);
      long size = bb.getInt(pos + 4) & 0xFFFFFFFFL;
      if (id.equals("fmt ")) {
        format = bb.getShort(pos + 8);
        channels = bb.getShort(pos + 10);
        rate = bb.getInt(pos + 12);
        byteRate = bb.getInt(pos + 16);
        blockAlign = bb.getShort(pos + 20);
        bits = bb.getShort(pos + 22);
      } else if (id.equals("data")) {
        assertTrue(format >= 0, "fmt chunk must come before data");
        return new WavInfo(riff, format, channels, rate, byteRate, blockAlign, bits, pos + 8, size);
      }
      pos += 8 + (int) size;
    }
    throw new AssertionError("no data chunk");
  }

  /** Little-endian 16-bit samples from {@code offset} to the end. */
  static short[] samples(byte[] b, int offset) {
    ByteBuffer bb = ByteBuffer.wrap(b, offset, b.length - offset).order(ByteOrder.LITTLE_ENDIAN);
    short[] out = new short[(b.length - offset) / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = bb.getShort();
    }
    return out;
  }

  static double rms(short[] s) {
    double sum = 0;
    for (short v : s) {
      sum += (double) v * v;
    }
    return s.length == 0 ? 0 : Math.sqrt(sum / s.length);
  }

  static int peak(short[] s) {
    int max = 0;
    for (short v : s) {
      max = Math.max(max, Math.abs(v));
    }
    return max;
  }
}
