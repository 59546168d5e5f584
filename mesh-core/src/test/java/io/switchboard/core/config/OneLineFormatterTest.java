package io.switchboard.core.config;

import org.junit.jupiter.api.Test;

import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A value from a request cannot start a log line of its own; stack traces keep their lines. */
class OneLineFormatterTest {

  static final String FORGED = "x\r\n2026-12-05 00:00:00.000 INFO    [io.switchboard.Admin] admin logged in";

  @Test
  void lineBreaksInTheMessageAndItsParametersAreEscaped() {
    LogRecord r = new LogRecord(Level.WARNING, "request {0} failed: model {1}");
    r.setParameters(new Object[] {"req_1\nINFO forged", FORGED});
    r.setLoggerName("io.switchboard.test");
    String out = new OneLineFormatter().format(r);
    assertEquals(1, out.strip().lines().count(), out);
    assertTrue(out.contains("req_1\\nINFO forged") && out.contains("x\\r\\n2026-12-05"), out);
  }

  @Test
  void aStackTraceKeepsItsLinesButNotTheBreaksInItsMessage() {
    LogRecord r = new LogRecord(Level.SEVERE, "request failed");
    r.setLoggerName("io.switchboard.test");
    r.setThrown(new IllegalStateException("bad model " + FORGED, new RuntimeException("inner\nforged too")));
    String out = new OneLineFormatter().format(r);
    assertFalse(out.lines().anyMatch(l -> l.startsWith("2026-12-05 00:00:00.000")), out);
    assertFalse(out.lines().anyMatch(l -> l.startsWith("forged too")), out);
    assertTrue(out.lines().anyMatch(l -> l.startsWith("\tat ")), "the trace's own lines stay: " + out);
    assertTrue(out.lines().anyMatch(l -> l.startsWith("Caused by: java.lang.RuntimeException: inner\\nforged too")), out);
  }
}
