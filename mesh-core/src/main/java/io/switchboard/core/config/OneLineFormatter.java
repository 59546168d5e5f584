package io.switchboard.core.config;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import java.util.regex.Pattern;

/**
 * The node's log formatter ({@code conf/logging.properties}): {@link SimpleFormatter}'s line, with every line break and
 * other control character in the message written as an escape ({@code \n}, {@code \u001b}), so that a value from a
 * request (a model name, a header, a key's name) can never start a log line of its own. A stack trace keeps its own
 * lines ({@code at ...}, {@code Caused by: ...}); a line break inside an exception's message is escaped the same way.
 */
public class OneLineFormatter extends SimpleFormatter {

  /** A line break in a stack trace that does not start one of the trace's own lines. */
  private static final Pattern FOREIGN_BREAK = Pattern.compile("\\r?\\n(?!\\t|Caused by: |Suppressed: |$)");

  @Override
  public String formatMessage(LogRecord record) {
    return escape(super.formatMessage(record));
  }

  @Override
  public String format(LogRecord record) {
    if (record.getThrown() == null) {
      return super.format(record);
    }
    // SimpleFormatter appends the trace itself; here the trace is escaped first, then appended the same way.
    LogRecord bare = new LogRecord(record.getLevel(), record.getMessage());
    bare.setParameters(record.getParameters());
    bare.setLoggerName(record.getLoggerName());
    bare.setInstant(record.getInstant());
    bare.setSourceClassName(record.getSourceClassName());
    bare.setSourceMethodName(record.getSourceMethodName());
    bare.setResourceBundle(record.getResourceBundle());
    String line = super.format(bare);
    StringWriter trace = new StringWriter();
    try (PrintWriter pw = new PrintWriter(trace)) {
      record.getThrown().printStackTrace(pw);
    }
    String escaped = FOREIGN_BREAK.matcher(trace.toString()).replaceAll("\\\\n");
    String nl = System.lineSeparator();
    return (line.endsWith(nl) ? line.substring(0, line.length() - nl.length()) : line) + nl + escaped;
  }

  /** {@code text} with CR, LF and the other control characters but tab as escapes. */
  public static String escape(String text) {
    if (text == null) {
      return null;
    }
    StringBuilder sb = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 && c != '\t' || c == 0x7f || c == '\u2028' || c == '\u2029') {
        if (sb == null) {
          sb = new StringBuilder(text.length() + 8).append(text, 0, i);
        }
        sb.append(switch (c) {
          case '\n' -> "\\n";
          case '\r' -> "\\r";
          default -> String.format("\\u%04x", (int) c);
        });
      } else if (sb != null) {
        sb.append(c);
      }
    }
    return sb == null ? text : sb.toString();
  }
}
