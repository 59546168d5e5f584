package io.switchboard.core.http;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * An incremental parser of {@code text/event-stream} (the WHATWG server-sent events format) as it arrives in
 * arbitrary reads: an event split across reads, several events in one read, CR, LF or CRLF line ends,
 * {@code data:} with or without the space, multi-line data, comments and keep-alives. Lines are cut on bytes, so
 * a UTF-8 character split across reads is decoded whole.
 */
public final class SseParser {

  /** One dispatched event: {@code event} is {@code "message"} when the stream named none. */
  public record Event(String event, String data, String id) {
  }

  private final Consumer<Event> handler;
  private byte[] pending = new byte[256];
  private int pendingLength;
  private boolean lastWasCr;
  private StringBuilder data;
  private String eventName;
  private String lastId;

  public SseParser(Consumer<Event> handler) {
    this.handler = handler;
  }

  /** Feeds the next read. */
  public void feed(Buffer buffer) {
    byte[] bytes = buffer.getBytes();
    for (byte b : bytes) {
      if (b == '\n') {
        if (lastWasCr) {
          lastWasCr = false; // the LF of a CRLF
          continue;
        }
        line();
      } else if (b == '\r') {
        lastWasCr = true;
        line();
      } else {
        lastWasCr = false;
        if (pendingLength == pending.length) {
          byte[] bigger = new byte[pending.length * 2];
          System.arraycopy(pending, 0, bigger, 0, pendingLength);
          pending = bigger;
        }
        pending[pendingLength++] = b;
      }
    }
  }

  /** At end of stream: an event not terminated by a blank line is discarded, as the spec says. */
  public boolean hasPartialEvent() {
    return pendingLength > 0 || data != null;
  }

  private void line() {
    String line = new String(pending, 0, pendingLength, StandardCharsets.UTF_8);
    pendingLength = 0;
    if (line.isEmpty()) {
      dispatch();
      return;
    }
    if (line.charAt(0) == ':') {
      return; // comment / keep-alive
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "data" -> {
        if (data == null) {
          data = new StringBuilder(value);
        } else {
          data.append('\n').append(value);
        }
      }
      case "event" -> eventName = value;
      case "id" -> lastId = value;
      default -> {
        // "retry" and unknown fields are ignored
      }
    }
  }

  private void dispatch() {
    if (data == null) {
      eventName = null;
      return;
    }
    Event e = new Event(eventName == null || eventName.isEmpty() ? "message" : eventName, data.toString(), lastId);
    data = null;
    eventName = null;
    handler.accept(e);
  }
}
