package io.switchboard.llm.jlama.decode;

import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The thread team that runs a token's parallel loops. */
class DecodeTeamTest {

  @Test
  void everyIndexRunsExactlyOnceWhateverTheGrain() {
    try (DecodeTeam team = new DecodeTeam(3, "test-team")) {
      for (int round = 0; round < 300; round++) {
        int total = 1 + round * 7 % 1000;
        int grain = 1 + round % 64;
        AtomicIntegerArray hits = new AtomicIntegerArray(total);
        team.forEach(total, grain, (s, e) -> {
          for (int i = s; i < e; i++) {
            hits.incrementAndGet(i);
          }
        });
        for (int i = 0; i < total; i++) {
          assertEquals(1, hits.get(i), "index " + i + " of " + total + " (grain " + grain + ")");
        }
      }
    }
  }

  @Test
  void twoThreadsRunGrainsAtTheSameTime() throws Exception {
    try (DecodeTeam team = new DecodeTeam(2, "test-team")) {
      Set<Thread> workers = ConcurrentHashMap.newKeySet();
      CyclicBarrier both = new CyclicBarrier(2);
      // Each grain waits for the other one to be running: one thread alone would wait forever on its first grain.
      team.forEach(2, 1, (s, e) -> {
        workers.add(Thread.currentThread());
        try {
          both.await(30, TimeUnit.SECONDS);
        } catch (Exception ex) {
          throw new IllegalStateException("no second thread ran a grain", ex);
        }
      });
      assertEquals(2, workers.size());
    }
  }

  @Test
  void aFailureReachesTheCallerAndTheTeamGoesOn() {
    try (DecodeTeam team = new DecodeTeam(2, "test-team")) {
      IllegalStateException boom = new IllegalStateException("boom");
      IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> team.forEach(100, 1, (s, e) -> {
        if (s == 57) {
          throw boom;
        }
      }));
      assertSame(boom, thrown);
      AtomicIntegerArray hits = new AtomicIntegerArray(10);
      team.forEach(10, 1, (s, e) -> hits.incrementAndGet(s));
      for (int i = 0; i < 10; i++) {
        assertEquals(1, hits.get(i));
      }
    }
  }
}
