package io.switchboard.usage.store;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A thread lowers its own priority, and only its own: the other threads of the process keep theirs. */
class ThreadNiceTest {

  @Test
  void aThreadLowersItsOwnPriorityOnly() throws Exception {
    Integer before = ThreadNice.currentNice();
    Assumptions.assumeTrue(before != null, "thread priorities are read from /proc on Linux only");
    AtomicReference<Integer> lowered = new AtomicReference<>();
    AtomicReference<Boolean> given = new AtomicReference<>();
    Thread t = Thread.ofPlatform().start(() -> {
      given.set(ThreadNice.lowerCurrent(before + 3));
      lowered.set(ThreadNice.currentNice());
    });
    t.join();
    assertTrue(given.get(), "setpriority on the thread's own id");
    assertEquals(before + 3, lowered.get());
    assertEquals(before, ThreadNice.currentNice(), "the calling thread keeps its priority");
    assertFalse(ThreadNice.lowerCurrent(0), "0 leaves the thread as it is");
    assertEquals(before, ThreadNice.currentNice());
  }
}
