package io.switchboard.core.testkit.chaos;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * An upstream's whole answer as {@link ChaosProxy} holds it before shaping what the client gets: its status, its
 * end-to-end headers and its body, cut into the pieces a fault works on (the events of an event stream; otherwise
 * the body in two halves).
 */
record HeldAnswer(int status, MultiMap headers, Buffer body) {

  /** Hop-by-hop headers and the framing the proxy sets itself: never copied from one side to the other. */
  static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "transfer-encoding", "content-length",
    "proxy-connection", "te", "trailer", "upgrade");

  static MultiMap endToEnd(MultiMap headers) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    headers.forEach((name, value) -> {
      if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
        out.add(name, value);
      }
    });
    return out;
  }

  String contentType() {
    String type = headers.get("content-type");
    return type == null ? "" : type.toLowerCase(Locale.ROOT);
  }

  boolean isEventStream() {
    return contentType().startsWith("text/event-stream");
  }

  boolean isJson() {
    return contentType().contains("json");
  }

  /** The events of an event stream (each with its blank line), else the body's two halves. */
  List<Buffer> pieces() {
    if (isEventStream()) {
      return events(body);
    }
    int half = body.length() / 2;
    return List.of(body.getBuffer(0, half), body.getBuffer(half, body.length()));
  }

  /** The first half of the pieces, at least one: what goes out before a mid-body reset. */
  Buffer firstHalf() {
    List<Buffer> pieces = pieces();
    return join(pieces.subList(0, Math.max(1, (pieces.size() + 1) / 2)));
  }

  /** The body without its end: an event stream without its last event, any other body without its last byte. */
  Buffer withoutEnd() {
    if (isEventStream()) {
      List<Buffer> events = events(body);
      return join(events.subList(0, Math.max(0, events.size() - 1)));
    }
    return isJson() ? body.getBuffer(0, Math.max(0, body.length() - 1)) : body;
  }

  /** What keeps a connection busy without ending the body: an SSE comment, JSON whitespace, or audio silence. */
  Buffer keepAlive() {
    if (isEventStream()) {
      return Buffer.buffer(": keep-alive\n\n");
    }
    return isJson() ? Buffer.buffer(" ") : Buffer.buffer(new byte[1024]);
  }

  /**
   * The body with its first JSON document broken: in an event stream the first {@code data:} line holding an object
   * loses its second half (its closing braces with it); any other body is cut to its first half.
   */
  HeldAnswer malformed() {
    if (!isEventStream()) {
      return new HeldAnswer(status, headers, body.getBuffer(0, body.length() / 2));
    }
    String text = body.toString(StandardCharsets.UTF_8);
    int at = text.indexOf("data: {");
    if (at < 0) {
      at = text.indexOf("data:{");
    }
    if (at < 0) {
      throw new IllegalStateException("no JSON event to break in " + text);
    }
    int lineEnd = text.indexOf('\n', at);
    int start = text.indexOf('{', at);
    String broken = text.substring(0, start) + text.substring(start, start + (lineEnd - start) / 2) + text.substring(lineEnd);
    return new HeldAnswer(status, headers, Buffer.buffer(broken));
  }

  /** The event stream without its last event, ending cleanly. */
  HeldAnswer withoutLastEvent() {
    if (!isEventStream()) {
      throw new IllegalStateException("not an event stream: " + contentType());
    }
    return new HeldAnswer(status, headers, withoutEnd());
  }

  static List<Buffer> events(Buffer body) {
    String text = body.toString(StandardCharsets.UTF_8).replace("\r\n", "\n");
    List<Buffer> events = new ArrayList<>();
    int from = 0;
    while (from < text.length()) {
      int end = text.indexOf("\n\n", from);
      int next = end < 0 ? text.length() : end + 2;
      events.add(Buffer.buffer(text.substring(from, next)));
      from = next;
    }
    return events;
  }

  static Buffer join(List<Buffer> pieces) {
    Buffer all = Buffer.buffer();
    pieces.forEach(all::appendBuffer);
    return all;
  }
}
