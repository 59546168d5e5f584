package io.switchboard.bench.cid;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * This process's threads' CPU time and wake-ups, by group of thread name, from Linux's per-task counters
 * ({@code /proc/self/task/N/schedstat}: nanoseconds on a CPU; {@code status}: voluntary context switches, i.e. times
 * the thread slept and was woken). Every thread counts (the collector's and the JIT's too, which the JVM's own
 * per-thread clocks leave out), and both figures are counts, which the machine's load moves far less than a wall clock.
 * Threads that ended between two snapshots are lost from the second; the bench's threads live throughout.
 */
final class TaskCounters {

  /** CPU nanoseconds and voluntary switches of one group. */
  record Count(long cpuNs, long wakeups) {
    Count plus(Count o) {
      return new Count(cpuNs + o.cpuNs, wakeups + o.wakeups);
    }

    Count minus(Count o) {
      return new Count(cpuNs - o.cpuNs, wakeups - o.wakeups);
    }
  }

  private TaskCounters() {
  }

  /**
   * The group of a thread by its kernel name (Java's name cut to 15 characters): the bench's own Vert.x threads are
   * named {@code bench-...} ({@link CacheHttpBench}), the node's keep Vert.x's names.
   */
  static String group(String comm) {
    if (comm.startsWith("bench-")) {
      return "bench (client, static server)";
    }
    if (comm.startsWith("vert.x-eventloo")) {
      return "node event loops";
    }
    if (comm.startsWith("vert.x-worker")) {
      return "node workers";
    }
    if (comm.startsWith("switchboard-cid")) {
      return "node hashing";
    }
    if (comm.startsWith("ledger-")) {
      return "ledger threads";
    }
    if (comm.startsWith("C1 ") || comm.startsWith("C2 ")) {
      return "JIT compilers";
    }
    if (comm.startsWith("VM Thread") || comm.startsWith("GC ")) {
      return "collector (VM thread)";
    }
    return "other";
  }

  /** {@code byTask} (from {@link #tasks}) summed by group. */
  static Map<String, Count> grouped(Map<String, Count> byTask) {
    Map<String, Count> out = new TreeMap<>();
    byTask.forEach((task, c) -> out.merge(group(task.substring(0, task.lastIndexOf(' '))), c, Count::plus));
    return out;
  }

  /**
   * The counters now, by thread: {@code "<kernel name> <tid>"}, so that threads of the same name (the node's event
   * loops) show apart.
   */
  static Map<String, Count> tasks() {
    Map<String, Count> out = new TreeMap<>();
    List<Path> tasks;
    try (Stream<Path> s = Files.list(Path.of("/proc/self/task"))) {
      tasks = s.toList();
    } catch (IOException e) {
      return out;
    }
    for (Path t : tasks) {
      try {
        String comm = Files.readString(t.resolve("comm")).strip();
        long cpu = Long.parseLong(Files.readString(t.resolve("schedstat")).split(" ")[0]);
        long voluntary = 0;
        for (String line : Files.readAllLines(t.resolve("status"))) {
          if (line.startsWith("voluntary_ctxt_switches:")) {
            voluntary = Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
          }
        }
        out.put(comm + " " + t.getFileName(), new Count(cpu, voluntary));
      } catch (IOException | RuntimeException gone) {
        // the thread ended meanwhile
      }
    }
    return out;
  }

  /** {@code after - before} by group or by thread (a thread missing from {@code before} counts from 0). */
  static Map<String, Count> since(Map<String, Count> before, Map<String, Count> after) {
    Map<String, Count> out = new TreeMap<>();
    after.forEach((g, c) -> out.put(g, c.minus(before.getOrDefault(g, new Count(0, 0)))));
    return out;
  }
}
