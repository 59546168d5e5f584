package io.switchboard.voice.vad;

import io.vertx.core.Context;

import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * Runs every call's VAD windows on a few dedicated threads, never on an event loop. Each stream's windows run in
 * order, one at a time (its recurrent state goes from one window to the next); windows of different calls that are
 * waiting together run as one batch, one row per call, which costs a fraction of as many single runs (measured on
 * the 2-core bench machine: 0.18 ms for one window alone, 0.04 ms a window in a batch of 50). Nothing waits to fill
 * a batch: a thread takes whatever is waiting when it comes round. Results go back to each call on its own context.
 */
public final class VadPool implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(VadPool.class.getName());

  private final SileroModel model;
  private final int maxBatch;
  private final List<Thread> threads = new ArrayList<>();
  /** Streams with a window waiting and none running, in arrival order. */
  private final ArrayDeque<Stream> ready = new ArrayDeque<>();
  private final AtomicLong cpuNanos = new AtomicLong();
  private final AtomicLong windows = new AtomicLong();
  private boolean closed;

  /**
   * @param threadCount inference threads (each runs its own batches; 1 suffices for dozens of calls)
   * @param maxBatch    the most windows run together
   */
  public VadPool(SileroModel model, int threadCount, int maxBatch) {
    this.model = model;
    this.maxBatch = maxBatch;
    for (int i = 0; i < threadCount; i++) {
      Thread t = Thread.ofPlatform().daemon().name("switchboard-vad-" + i).start(this::run);
      threads.add(t);
    }
  }

  /**
   * A new stream for one call: {@code onResult} gets (speech probability, end sample of the window) for every window,
   * in order, on {@code context}.
   */
  public Stream open(Context context, BiConsumer<Float, Long> onResult) {
    return new Stream(context, onResult);
  }

  /** CPU time the inference threads have used, in nanoseconds (for the CPU-per-call figure). */
  public long cpuNanos() {
    return cpuNanos.get();
  }

  /** Windows run so far. */
  public long windows() {
    return windows.get();
  }

  @Override
  public void close() {
    synchronized (ready) {
      closed = true;
      ready.notifyAll();
    }
    for (Thread t : threads) {
      try {
        t.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    int width = SileroModel.CONTEXT + SileroModel.WINDOW;
    float[] input = new float[maxBatch * width];
    float[] state = new float[2 * maxBatch * SileroModel.STATE];
    float[] probabilities = new float[maxBatch];
    List<Stream> batch = new ArrayList<>(maxBatch);
    List<Window> taken = new ArrayList<>(maxBatch);
    while (true) {
      batch.clear();
      taken.clear();
      synchronized (ready) {
        while (ready.isEmpty() && !closed) {
          try {
            ready.wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
        while (!ready.isEmpty() && batch.size() < maxBatch) {
          Stream s = ready.poll();
          s.running = true;
          batch.add(s);
          taken.add(s.pending.poll());
        }
      }
      long cpu = mx.getCurrentThreadCpuTime();
      int b = batch.size();
      for (int i = 0; i < b; i++) {
        System.arraycopy(taken.get(i).samples, 0, input, i * width, width);
        gather(batch.get(i).state, state, i, b);
      }
      try {
        model.step(b, input, state, probabilities);
      } catch (Exception e) {
        LOG.log(System.Logger.Level.ERROR, "VAD inference failed for a batch of " + b + ": " + e.getMessage());
        java.util.Arrays.fill(probabilities, 0, b, 0f);
      }
      for (int i = 0; i < b; i++) {
        scatter(state, batch.get(i).state, i, b);
      }
      cpuNanos.addAndGet(mx.getCurrentThreadCpuTime() - cpu);
      windows.addAndGet(b);
      synchronized (ready) {
        for (int i = 0; i < b; i++) {
          Stream s = batch.get(i);
          s.running = false;
          if (!s.pending.isEmpty() && !s.closed) {
            ready.add(s);
          }
        }
      }
      for (int i = 0; i < b; i++) {
        batch.get(i).deliver(probabilities[i], taken.get(i).end);
      }
    }
  }

  /** Copies a stream's state [2][1][128] into row {@code row} of the batch's [2][b][128]. */
  private static void gather(float[] own, float[] batch, int row, int b) {
    int n = SileroModel.STATE;
    System.arraycopy(own, 0, batch, row * n, n);
    System.arraycopy(own, n, batch, (b + row) * n, n);
  }

  private static void scatter(float[] batch, float[] own, int row, int b) {
    int n = SileroModel.STATE;
    System.arraycopy(batch, row * n, own, 0, n);
    System.arraycopy(batch, (b + row) * n, own, n, n);
  }

  private record Window(float[] samples, long end) {
  }

  /**
   * One call's audio into the VAD: 16 kHz samples in any amounts; every full window of 512 (with the 64 samples
   * before it) is queued for inference. {@link #push} and {@link #close} run on the call's context.
   */
  public final class Stream {
    private final Context context;
    private final BiConsumer<Float, Long> onResult;
    private final float[] state = new float[2 * SileroModel.STATE];
    private final float[] window = new float[SileroModel.CONTEXT + SileroModel.WINDOW];
    private final ArrayDeque<Window> pending = new ArrayDeque<>();
    private int filled = SileroModel.CONTEXT; // the first window's context is silence
    private long samples;
    private boolean running;
    private volatile boolean closed;

    private Stream(Context context, BiConsumer<Float, Long> onResult) {
      this.context = context;
      this.onResult = onResult;
    }

    public void push(float[] in) {
      int at = 0;
      while (at < in.length) {
        int n = Math.min(in.length - at, window.length - filled);
        System.arraycopy(in, at, window, filled, n);
        filled += n;
        at += n;
        samples += n;
        if (filled == window.length) {
          queue(new Window(window.clone(), samples));
          System.arraycopy(window, SileroModel.WINDOW, window, 0, SileroModel.CONTEXT);
          filled = SileroModel.CONTEXT;
        }
      }
    }

    /** No more results are delivered after this. */
    public void close() {
      closed = true;
      synchronized (ready) {
        pending.clear();
        ready.remove(this);
      }
    }

    private void queue(Window w) {
      synchronized (ready) {
        if (closed || VadPool.this.closed) {
          return;
        }
        pending.add(w);
        if (!running && pending.size() == 1) {
          ready.add(this);
          ready.notify();
        }
      }
    }

    private void deliver(float probability, long end) {
      if (!closed) {
        context.runOnContext(v -> {
          if (!closed) {
            onResult.accept(probability, end);
          }
        });
      }
    }
  }
}
