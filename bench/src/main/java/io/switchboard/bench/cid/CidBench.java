package io.switchboard.bench.cid;

import io.netty.buffer.Unpooled;
import io.switchboard.bench.audio.Args;
import io.switchboard.core.cid.Cid;
import io.switchboard.core.cid.CidHasher;
import io.switchboard.core.cid.FileDag;
import io.switchboard.core.cid.FileDagHasher;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonObject;

import java.lang.management.ManagementFactory;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * CID throughput on an upload-sized payload (default 25,000,000 bytes, OpenAI's 25 MB limit), fed as an upload
 * arrives: Vert.x buffers of {@code --piece} bytes (default 64 KiB) that are views of the payload, never copies.
 * Variants from the same run: the plain SHA-256 of the bytes (the floor: a CID is SHA-256 of every chunk plus a few
 * node blocks), {@link CidHasher} (the CID only: the web verticle's header) and {@link FileDagHasher} (the CID and the
 * DAG a store keeps). For each: the median MB/s of {@code --runs} runs after {@code --warmup} runs (wall clock), the
 * median CPU time of the hashing thread (less sensitive to a loaded machine than the wall clock), and the bytes the
 * hashing thread allocated per payload (thread allocation counter: independent of the machine's load), which bounds
 * what the hasher can hold. Prints one JSON line per variant.
 *
 * <p>Usage: {@code CidBench [--bytes 25000000] [--piece 65536] [--runs 15] [--warmup 5]}
 */
public final class CidBench {

  private CidBench() {
  }

  public static void main(String[] args) throws Exception {
    int bytes = Integer.parseInt(Args.get(args, "--bytes", "25000000"));
    int piece = Integer.parseInt(Args.get(args, "--piece", "65536"));
    int runs = Integer.parseInt(Args.get(args, "--runs", "15"));
    int warmup = Integer.parseInt(Args.get(args, "--warmup", "5"));
    byte[] payload = new byte[bytes];
    new Random(1).nextBytes(payload);
    List<Buffer> pieces = new ArrayList<>();
    for (int off = 0; off < bytes; off += piece) {
      pieces.add(BufferInternal.buffer(Unpooled.wrappedBuffer(payload, off, Math.min(piece, bytes - off))));
    }
    Cid expected = CidHasher.of(payload);
    Map<String, Work> variants = new LinkedHashMap<>();
    variants.put("sha256-only", () -> {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Buffer b : pieces) {
        sha.update(((BufferInternal) b).getByteBuf().nioBuffer());
      }
      return expected; // the floor computes no CID
    });
    variants.put("cid", () -> {
      CidHasher h = new CidHasher();
      pieces.forEach(h::update);
      return h.finish();
    });
    variants.put("cid+dag", () -> {
      FileDagHasher h = new FileDagHasher();
      pieces.forEach(h::update);
      FileDag dag = h.finish();
      return dag.root();
    });
    // Rounds interleave the variants, so that JIT warm-up and the machine's load weigh on all of them alike.
    Map<String, double[]> mbps = new LinkedHashMap<>();
    Map<String, double[]> cpuMs = new LinkedHashMap<>();
    Map<String, Long> allocated = new LinkedHashMap<>();
    variants.keySet().forEach(v -> {
      mbps.put(v, new double[runs]);
      cpuMs.put(v, new double[runs]);
      allocated.put(v, Long.MAX_VALUE);
    });
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().threadId();
    for (int round = -warmup; round < runs; round++) {
      for (Map.Entry<String, Work> v : variants.entrySet()) {
        long a0 = threads.getThreadAllocatedBytes(tid);
        long c0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        Object result = v.getValue().run();
        long t1 = System.nanoTime();
        long c1 = threads.getCurrentThreadCpuTime();
        long a1 = threads.getThreadAllocatedBytes(tid);
        if (!expected.equals(result)) {
          throw new IllegalStateException(v.getKey() + " computed " + result + ", expected " + expected);
        }
        if (round >= 0) {
          mbps.get(v.getKey())[round] = bytes / 1e6 / ((t1 - t0) / 1e9);
          cpuMs.get(v.getKey())[round] = (c1 - c0) / 1e6;
          allocated.merge(v.getKey(), a1 - a0, Math::min);
        }
      }
    }
    String load = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
    for (String v : variants.keySet()) {
      double[] m = mbps.get(v);
      Arrays.sort(m);
      double[] cpu = cpuMs.get(v);
      Arrays.sort(cpu);
      double median = m[runs / 2];
      System.out.println(new JsonObject()
        .put("variant", v)
        .put("bytes", bytes)
        .put("piece", piece)
        .put("runs", runs)
        .put("median_mb_per_s", Math.round(median * 10) / 10.0)
        .put("min_mb_per_s", Math.round(m[0] * 10) / 10.0)
        .put("max_mb_per_s", Math.round(m[runs - 1] * 10) / 10.0)
        .put("ms_per_payload_median", Math.round(bytes / 1e6 / median * 1000 * 100) / 100.0)
        .put("cpu_ms_per_payload_median", Math.round(cpu[runs / 2] * 100) / 100.0)
        .put("cpu_mb_per_s_median", Math.round(bytes / 1e6 / (cpu[runs / 2] / 1000) * 10) / 10.0)
        .put("allocated_bytes_per_payload", allocated.get(v))
        .put("cid", expected.toString())
        .put("load_average", load)
        .encode());
    }
  }

  interface Work {
    Object run() throws Exception;
  }
}
