package io.switchboard.bench.usage;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * CPU time by thread group between two points, from the JVM's per-thread CPU clocks (native code a Java thread runs,
 * DuckDB's included, counts on that thread); what the process spent outside every Java thread is shown apart. A
 * count of CPU, not of elapsed time: it holds on a machine shared with other work.
 */
final class ThreadCpu {

  private final Function<String, String> group;
  private final Map<String, Long> before;
  private final long processBefore;
  private final long gcBefore;

  /** {@code group}: the group of a thread, by its name. */
  ThreadCpu(Function<String, String> group) {
    this.group = group;
    this.before = snapshot();
    this.processBefore = processCpu();
    this.gcBefore = gcCpu();
  }

  /** Nanoseconds per group since construction, and {@code "process"} for the whole process. */
  Map<String, Long> since() {
    Map<String, Long> out = new LinkedHashMap<>();
    long java = 0;
    for (Map.Entry<String, Long> e : snapshot().entrySet()) {
      long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      java += d;
      out.merge(group.apply(e.getKey().substring(e.getKey().indexOf(' ') + 1)), d, Long::sum);
    }
    long process = processCpu() - processBefore;
    long gc = gcCpu() - gcBefore;
    out.put("garbage collector", gc);
    out.put("outside Java threads (DuckDB's own, VM)", Math.max(0, process - java - gc));
    out.put("process", process);
    return out;
  }

  /** Prints {@link #since()} per record. */
  void report(long records) {
    Map<String, Long> d = since();
    System.out.printf(Locale.ROOT, "CPU per record over %,d records: %.2f us in all%n", records, d.remove("process") / 1e3 / records);
    d.forEach((g, ns) -> System.out.printf(Locale.ROOT, "  %-36s %8.2f us%n", g, ns / 1e3 / records));
  }

  /** The groups every ledger benchmark tells apart. */
  static String ledgerGroup(String thread) {
    if (thread.startsWith("vert.x-eventloop")) {
      return "event loops";
    }
    if (thread.startsWith("ledger-writer")) {
      return "journal writer";
    }
    if (thread.startsWith("ledger-fsync")) {
      return "journal fsync";
    }
    if (thread.startsWith("ledger-duckdb-w")) {
      return "store writer (DuckDB)";
    }
    if (thread.startsWith("ledger-duckdb-r")) {
      return "store readers (DuckDB)";
    }
    if (thread.startsWith("ledger-reader") || thread.startsWith("ledger-journal")) {
      return "journal reader and rotation";
    }
    if (thread.startsWith("C1 ") || thread.startsWith("C2 ")) {
      return "JIT compilers";
    }
    return thread.equals("main") ? "main (the benchmark)" : "other Java threads";
  }

  static long processCpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** CPU of the garbage collector's threads (not Java threads: read from /proc by their names), in nanoseconds. */
  private static long gcCpu() {
    long ticks = 0;
    try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
      for (java.nio.file.Path t : tasks.toList()) {
        try {
          String stat = java.nio.file.Files.readString(t.resolve("stat"));
          String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          if (comm.startsWith("GC Thread") || comm.startsWith("G1 ")) {
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
          }
        } catch (java.io.IOException | RuntimeException gone) {
          // the thread ended meanwhile
        }
      }
    } catch (java.io.IOException e) {
      return 0;
    }
    return ticks * 10_000_000L;
  }

  private static Map<String, Long> snapshot() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Map<String, Long> out = new LinkedHashMap<>();
    for (long id : mx.getAllThreadIds()) {
      var info = mx.getThreadInfo(id);
      long t = mx.getThreadCpuTime(id);
      if (info != null && t >= 0) {
        out.put(id + " " + info.getThreadName(), t);
      }
    }
    return out;
  }
}
