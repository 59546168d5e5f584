package io.switchboard.app;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Captures every log line of the JVM at the configured levels (message, parameters and stack traces, formatted)
 * while installed, and Switchboard's own loggers down to FINE, where an operator debugging would see them.
 */
final class LogCapture extends Handler implements AutoCloseable {

  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final SimpleFormatter formatter = new SimpleFormatter();
  private final Logger root = Logger.getLogger("");
  private final Logger ours = Logger.getLogger("io.switchboard");
  private final Level previous;

  LogCapture() {
    setLevel(Level.ALL);
    previous = ours.getLevel();
    ours.setLevel(Level.FINE);
    root.addHandler(this);
  }

  @Override
  public void publish(LogRecord record) {
    lines.add(formatter.format(record));
  }

  List<String> lines() {
    return lines;
  }

  @Override
  public void flush() {
  }

  @Override
  public void close() {
    root.removeHandler(this);
    ours.setLevel(previous);
  }
}
