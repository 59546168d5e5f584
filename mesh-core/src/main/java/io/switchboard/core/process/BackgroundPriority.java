package io.switchboard.core.process;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Lowers the scheduling priority of the calling thread, for work that no answer waits for (the ledger's store writer).
 * On a node with few cores such a thread shares them with the event loop, and a loop woken by a request waited for
 * the core it was using (docs/benchmarks.md: the event loop's run-queue wait at ~2,000 req/s); {@value #STEPS} nice
 * steps below the thread that started it (the kernel's weight of such a thread is about a tenth) the kernel gives the
 * loop the core first and the background work still gets the idle time. Linux keeps the nice value per thread, and
 * {@code setpriority(PRIO_PROCESS, 0, n)} sets the calling thread's; raising it needs no privilege. Elsewhere, or where the call is refused, the thread keeps its priority (a lost optimisation, not an
 * error).
 */
public final class BackgroundPriority {

  /** How many nice steps a background thread runs below its own (at most to 19, the lowest). */
  public static final int STEPS = 10;
  private static final int LOWEST = 19;

  private static final int PRIO_PROCESS = 0;
  private static final Optional<MethodHandle> SETPRIORITY = lookup("setpriority",
    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private static final Optional<MethodHandle> GETPRIORITY = lookup("getpriority",
    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private static final ThreadLocal<Boolean> LOWERED = ThreadLocal.withInitial(() -> false);

  private BackgroundPriority() {
  }

  private static Optional<MethodHandle> lookup(String name, FunctionDescriptor descriptor) {
    if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
      return Optional.empty();
    }
    try {
      Linker linker = Linker.nativeLinker();
      return linker.defaultLookup().find(name).map(address -> linker.downcallHandle(address, descriptor));
    } catch (RuntimeException | LinkageError e) {
      return Optional.empty(); // native access refused, or a JDK 21 without preview: the threads keep their priority
    }
  }

  /**
   * Lowers the calling thread by {@value #STEPS} nice steps, once per thread (later calls cost a thread-local read).
   * @return whether the thread runs at the lowered priority
   */
  public static boolean lowerCurrentThread() {
    if (LOWERED.get()) {
      return true;
    }
    if (SETPRIORITY.isEmpty() || GETPRIORITY.isEmpty()) {
      return false;
    }
    try {
      int nice = (int) GETPRIORITY.get().invokeExact(PRIO_PROCESS, 0); // -1 may also be an error: then 9, still lower
      boolean done = (int) SETPRIORITY.get().invokeExact(PRIO_PROCESS, 0, Math.min(LOWEST, nice + STEPS)) == 0;
      LOWERED.set(done);
      return done;
    } catch (Throwable e) {
      return false;
    }
  }
}
