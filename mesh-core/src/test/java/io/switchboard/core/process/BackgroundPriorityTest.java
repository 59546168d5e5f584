package io.switchboard.core.process;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The calling thread, and only it, runs below the priority it had (as the kernel reports it). */
class BackgroundPriorityTest {

  /** Field 19 of /proc/thread-self/stat: the thread's nice value. */
  static int niceOfCurrentThread() throws Exception {
    return nice(Path.of("/proc/thread-self/stat"));
  }

  static int nice(Path stat) throws Exception {
    String s = Files.readString(stat);
    String[] after = s.substring(s.lastIndexOf(')') + 2).split(" ");
    return Integer.parseInt(after[16]);
  }

  @Test
  void onlyTheCallingThreadIsLowered() throws Exception {
    int before = niceOfCurrentThread();
    AtomicInteger lowered = new AtomicInteger(Integer.MIN_VALUE);
    AtomicReference<Boolean> result = new AtomicReference<>();
    Thread t = Thread.ofPlatform().start(() -> {
      try {
        result.set(BackgroundPriority.lowerCurrentThread());
        BackgroundPriority.lowerCurrentThread(); // once is enough; again is harmless
        lowered.set(niceOfCurrentThread());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    t.join();
    assertTrue(result.get());
    assertEquals(Math.min(19, before + BackgroundPriority.STEPS), lowered.get());
    assertTrue(lowered.get() > before, "lower than the thread that started it (tests run at nice 0 or 10)");
    assertEquals(before, niceOfCurrentThread(), "the caller's own thread keeps its priority");
  }
}
