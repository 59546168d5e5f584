package io.switchboard.usage.store;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Lowers the scheduling priority (raises the nice value) of the calling thread, so that a background thread's bursts
 * of CPU (the embedded store's commit: a few milliseconds every linger) give way to the event loops on a busy machine
 * instead of holding a core while a request waits. Linux keeps a nice value per thread: {@code setpriority(PRIO_PROCESS,
 * gettid(), n)} changes only the caller. Called through the FFM API; where that is not available (not Linux, no
 * {@code gettid} in the C library, native access refused) it does nothing and says so once. Lowering one's own
 * priority needs no privilege.
 */
final class ThreadNice {

  private static final Logger LOG = System.getLogger(ThreadNice.class.getName());
  private static final int PRIO_PROCESS = 0;
  private static final MethodHandle GETTID;
  private static final MethodHandle SETPRIORITY;
  private static final String UNAVAILABLE;
  /** Whether this thread was given its nice value; null until it was asked. */
  private static final ThreadLocal<Boolean> GIVEN = new ThreadLocal<>();

  static {
    MethodHandle gettid = null;
    MethodHandle setpriority = null;
    String why = null;
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
      why = "not Linux";
    } else {
      try {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        gettid = linker.downcallHandle(libc.find("gettid").orElseThrow(() -> new IllegalStateException("no gettid in the C library")),
          FunctionDescriptor.of(ValueLayout.JAVA_INT));
        setpriority = linker.downcallHandle(libc.find("setpriority").orElseThrow(() -> new IllegalStateException("no setpriority in the C library")),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
      } catch (RuntimeException | Error e) {
        why = String.valueOf(e.getMessage());
        gettid = null;
        setpriority = null;
      }
    }
    GETTID = gettid;
    SETPRIORITY = setpriority;
    UNAVAILABLE = why;
  }

  private static volatile boolean warned;

  private ThreadNice() {
  }

  /**
   * Gives the calling thread nice value {@code nice} (1-19; 0 or less leaves the thread as it is), once per thread;
   * returns whether the thread has it.
   */
  static boolean lowerCurrent(int nice) {
    if (nice <= 0) {
      return false;
    }
    Boolean done = GIVEN.get();
    if (done == null) {
      done = apply(Math.min(nice, 19));
      GIVEN.set(done);
    }
    return done;
  }

  private static boolean apply(int nice) {
    if (UNAVAILABLE != null) {
      warnOnce("thread priorities cannot be set here (" + UNAVAILABLE + "); " + Thread.currentThread().getName()
        + " keeps the priority of the process");
      return false;
    }
    try {
      int tid = (int) GETTID.invokeExact();
      if ((int) SETPRIORITY.invokeExact(PRIO_PROCESS, tid, nice) == 0) {
        return true;
      }
      warnOnce("setpriority refused nice " + nice + " for " + Thread.currentThread().getName());
    } catch (Throwable e) {
      warnOnce("thread priorities cannot be set here (" + e + "); " + Thread.currentThread().getName()
        + " keeps the priority of the process");
    }
    return false;
  }

  /** The calling thread's nice value as Linux reports it, or null where that cannot be read. */
  static Integer currentNice() {
    if (GETTID == null) {
      return null;
    }
    try {
      int tid = (int) GETTID.invokeExact();
      String stat = Files.readString(Path.of("/proc/self/task/" + tid + "/stat"));
      // After the command's ")" the fields are: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
      // utime stime cutime cstime priority nice ...
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Integer.parseInt(f[16]);
    } catch (Throwable e) {
      return null;
    }
  }

  private static void warnOnce(String message) {
    if (!warned) {
      warned = true;
      LOG.log(Level.WARNING, message);
    }
  }
}
