package io.switchboard.bench.cid;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskCountersTest {

  @Test
  void threadsOfOneNameShowApartAndSumIntoTheirGroup() {
    Map<String, TaskCounters.Count> byTask = Map.of(
      "vert.x-eventloo 101", new TaskCounters.Count(5, 1),
      "vert.x-eventloo 102", new TaskCounters.Count(7, 2),
      "ledger-fsync 103", new TaskCounters.Count(1, 0));
    Map<String, TaskCounters.Count> grouped = TaskCounters.grouped(byTask);
    assertEquals(new TaskCounters.Count(12, 3), grouped.get("node event loops"));
    assertEquals(new TaskCounters.Count(1, 0), grouped.get("ledger threads"));
    assertEquals(2, grouped.size());
  }

  @Test
  void aLiveThreadIsCountedUnderItsKernelNameAndId() throws Exception {
    AtomicReference<Map<String, TaskCounters.Count>> seen = new AtomicReference<>();
    Thread t = new Thread(() -> {
      long x = 0;
      for (int i = 0; i < 5_000_000; i++) {
        x += i ^ (x >>> 3);
      }
      seen.set(TaskCounters.tasks());
      if (x == 42) {
        System.out.println(x); // keeps the loop from being removed
      }
    }, "ledger-probe");
    t.start();
    t.join();
    Map<String, TaskCounters.Count> tasks = seen.get();
    String key = tasks.keySet().stream().filter(k -> k.startsWith("ledger-probe ")).findFirst().orElseThrow();
    assertTrue(key.substring("ledger-probe ".length()).chars().allMatch(Character::isDigit), key);
    assertTrue(tasks.get(key).cpuNs() > 0, "the probe thread ran: " + tasks.get(key));
    assertTrue(TaskCounters.grouped(tasks).get("ledger threads").cpuNs() >= tasks.get(key).cpuNs());
  }
}
