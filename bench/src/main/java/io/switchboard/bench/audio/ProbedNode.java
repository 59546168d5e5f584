package io.switchboard.bench.audio;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.switchboard.app.Main;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingStream;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * An all-in-one Switchboard node ({@code mesh run --conf FILE}) with a memory probe in the same JVM, for
 * {@link UploadMemory}. The probe answers on 127.0.0.1:{@code --probe-port}:
 * <ul>
 *   <li>{@code POST /start}: two full GCs, then the heap in use is the baseline; from now on, every
 *       {@code --sample-ms} a full GC and a reading of the heap in use (the live set: what is held, garbage
 *       excluded) and of direct memory; allocations of {@code --large-bytes} or more are recorded with their
 *       size and where they were made (JFR, stack traces on; see {@link #watchLargeAllocations()}), and the bytes
 *       allocated by all threads are counted.</li>
 *   <li>{@code POST /stop}: the figures since {@code /start} as JSON: peak live heap above the baseline, peak
 *       direct memory above its baseline, bytes allocated, and the large allocations.</li>
 * </ul>
 * The forced GCs slow the node down; that is the price of reading the live set rather than the heap's high-water
 * mark, which counts garbage. Usage: {@code ProbedNode --conf FILE [--probe-port 18099] [--sample-ms 25]
 * [--large-bytes 262144]}
 */
public final class ProbedNode {

  private final long sampleMs;
  private final long largeBytes;
  private final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private final BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
    .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
  private final List<JsonObject> large = new ArrayList<>();
  private volatile boolean sampling;
  private long baselineHeap;
  private long baselineDirect;
  private long baselineAllocated;
  private long peakHeap;
  private long peakDirect;
  private int samples;
  private Thread sampler;

  private ProbedNode(long sampleMs, long largeBytes) {
    this.sampleMs = sampleMs;
    this.largeBytes = largeBytes;
  }

  public static void main(String[] args) throws Exception {
    String conf = Args.get(args, "--conf", null);
    if (conf == null) {
      throw new IllegalArgumentException("--conf FILE is required");
    }
    int port = Integer.parseInt(Args.get(args, "--probe-port", "18099"));
    ProbedNode probe = new ProbedNode(Long.parseLong(Args.get(args, "--sample-ms", "25")),
      Long.parseLong(Args.get(args, "--large-bytes", Long.toString(256L << 10))));
    probe.watchLargeAllocations();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext("/start", ex -> respond(ex, probe.start()));
    server.createContext("/stop", ex -> respond(ex, probe.stop()));
    server.setExecutor(Executors.newSingleThreadExecutor());
    server.start();
    Main.main(new String[]{"run", "--conf", conf});
    System.out.println("memory probe on 127.0.0.1:" + port);
  }

  /**
   * Large allocations, from a JFR stream in this JVM: those made outside a thread's allocation buffer (TLAB) and
   * those that started a new one. A large array that happens to fit the rest of a TLAB is not reported, so the list
   * is a lower bound; the heap and allocation figures are exact.
   */
  private void watchLargeAllocations() {
    RecordingStream rs = new RecordingStream();
    for (String event : List.of("jdk.ObjectAllocationOutsideTLAB", "jdk.ObjectAllocationInNewTLAB")) {
      rs.enable(event).withStackTrace();
      rs.onEvent(event, this::onAllocation);
    }
    rs.setMaxAge(Duration.ofSeconds(30));
    rs.startAsync();
  }

  private void onAllocation(RecordedEvent e) {
    long size = e.getLong("allocationSize");
    if (!sampling || size < largeBytes) {
      return;
    }
    JsonArray where = new JsonArray();
    if (e.getStackTrace() != null) {
      for (RecordedFrame f : e.getStackTrace().getFrames()) {
        String frame = f.getMethod().getType().getName() + "." + f.getMethod().getName();
        if (!frame.startsWith("java.") && !frame.startsWith("jdk.") && !frame.startsWith("io.netty.buffer.")
          && !frame.startsWith("io.netty.util.") && where.size() < 4) {
          where.add(frame);
        }
      }
    }
    synchronized (this) {
      large.add(new JsonObject().put("bytes", size).put("thread", e.getThread("eventThread") == null ? "?"
        : e.getThread("eventThread").getJavaName()).put("where", where));
    }
  }

  private JsonObject start() {
    stopSampler();
    synchronized (this) {
      return begin();
    }
  }

  private JsonObject begin() {
    gc();
    baselineHeap = heapUsed();
    baselineDirect = direct.getMemoryUsed();
    baselineAllocated = allocatedByAllThreads();
    peakHeap = baselineHeap;
    peakDirect = baselineDirect;
    samples = 0;
    large.clear();
    sampling = true;
    sampler = Thread.ofPlatform().daemon().name("memory-probe").start(this::sample);
    return new JsonObject().put("baseline_heap_bytes", baselineHeap).put("baseline_direct_bytes", baselineDirect);
  }

  private void sample() {
    while (sampling) {
      gc();
      long heap = heapUsed();
      long dir = direct.getMemoryUsed();
      synchronized (this) {
        peakHeap = Math.max(peakHeap, heap);
        peakDirect = Math.max(peakDirect, dir);
        samples++;
      }
      try {
        Thread.sleep(sampleMs);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private JsonObject stop() {
    stopSampler();
    synchronized (this) {
      long allocated = allocatedByAllThreads() - baselineAllocated;
      long largeTotal = large.stream().mapToLong(j -> j.getLong("bytes")).sum();
      return new JsonObject()
        .put("samples", samples)
        .put("baseline_heap_bytes", baselineHeap)
        .put("peak_live_heap_above_baseline_bytes", peakHeap - baselineHeap)
        .put("peak_direct_above_baseline_bytes", peakDirect - baselineDirect)
        .put("allocated_bytes", allocated)
        .put("large_threshold_bytes", largeBytes)
        .put("large_allocations_bytes", largeTotal)
        .put("large_allocations", new JsonArray(new ArrayList<>(large)));
    }
  }

  private void stopSampler() {
    sampling = false;
    Thread t = sampler;
    if (t != null) {
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    sampler = null;
  }

  private static void gc() {
    System.gc();
    System.gc();
  }

  private static long heapUsed() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private long allocatedByAllThreads() {
    long sum = 0;
    for (long a : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
      sum += Math.max(0, a);
    }
    return sum;
  }

  private static void respond(HttpExchange ex, JsonObject body) throws IOException {
    byte[] bytes = body.encode().getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("content-type", "application/json");
    ex.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
