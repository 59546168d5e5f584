package io.switchboard.core.testkit.chaos;

import java.util.Map;

/**
 * What {@link ChaosProxy} does to the requests it selects: one kind of bad day an upstream (or the network, or a
 * proxy in front of it) has, with its figures. Which requests meet it: those whose path contains {@link #on} (all
 * when null), after the first {@link #after} of them passed untouched, for {@link #times} of them; the rest are
 * forwarded as they came. Immutable: the withers return a copy.
 *
 * @param status the status of {@link Kind#STATUS}
 * @param ms     the delay of {@link Kind#SLOW_FIRST_BYTE}; the gap between pieces of {@link Kind#TRICKLE} and
 *               between keep-alives of {@link Kind#NEVER_ENDS}
 * @param bytes  the piece size of {@link Kind#TRICKLE}
 * @param reply  the answer of {@link Kind#REPLY}
 */
public record Fault(Kind kind, int status, long ms, int bytes, String on, int after, int times, Reply reply) {

  /**
   * An answer the upstream itself gives, as it goes on the wire: an API's 429 with its {@code Retry-After}, a 5xx with
   * its JSON error body, a job document in a failed state.
   */
  public record Reply(int status, Map<String, String> headers, String body) {
    public Reply {
      headers = Map.copyOf(headers);
    }

    /** {@code body} as {@code application/json} with {@code status}. */
    public static Reply json(int status, String body) {
      return new Reply(status, Map.of("content-type", "application/json"), body);
    }

    public Reply header(String name, String value) {
      Map<String, String> h = new java.util.HashMap<>(headers);
      h.put(name, value);
      return new Reply(status, h, body);
    }
  }

  public enum Kind {
    /** Forwarded untouched. */
    PASS,
    /** The connection is reset (TCP RST) once the request arrived: no status line at all. */
    RESET_BEFORE_HEADERS,
    /** The upstream's status and headers go out, then the connection is reset before any body. */
    RESET_AFTER_HEADERS,
    /**
     * The first event of an event stream goes out (OpenAI's role-only chunk, Anthropic's {@code message_start}): the
     * upstream said something, but nothing yet, then the connection is reset.
     */
    RESET_AFTER_FIRST_EVENT,
    /** The first half of the body goes out (half the SSE events, or half the bytes), then the connection is reset. */
    RESET_MID_BODY,
    /** The proxy answers {@link #status} itself with a gateway's HTML page; the upstream never sees the request. */
    STATUS,
    /** The upstream's answer is held {@link #ms} before its status line goes out. */
    SLOW_FIRST_BYTE,
    /** The answer goes out {@link #bytes} at a time, {@link #ms} apart: slow, but whole and correct. */
    TRICKLE,
    /** The first JSON document of the body (the body itself, or the first SSE event's data) is broken. */
    MALFORMED_JSON,
    /** A 200 whose body is an HTML page ({@code text/html}): a captive portal or a misrouted load balancer. */
    WRONG_CONTENT_TYPE,
    /** An event stream whose last event ({@code data: [DONE]}, {@code message_stop}) is dropped; the body ends cleanly. */
    WITHOUT_LAST_EVENT,
    /**
     * The body goes out without its end (an event stream without its last event, a JSON body without its last byte,
     * all of an audio body) and then never ends: keep-alives ({@code : keep-alive} comments, JSON whitespace, audio
     * silence) every {@link #ms} until the client goes away.
     */
    NEVER_ENDS,
    /** The proxy answers {@link #reply} as the upstream would have; the upstream never sees the request. */
    REPLY
  }

  public static Fault pass() {
    return of(Kind.PASS);
  }

  public static Fault resetBeforeHeaders() {
    return of(Kind.RESET_BEFORE_HEADERS);
  }

  public static Fault resetAfterHeaders() {
    return of(Kind.RESET_AFTER_HEADERS);
  }

  public static Fault resetAfterFirstEvent() {
    return of(Kind.RESET_AFTER_FIRST_EVENT);
  }

  public static Fault resetMidBody() {
    return of(Kind.RESET_MID_BODY);
  }

  /** A 5xx (or any status) from the gateway in front of the upstream. */
  public static Fault status(int status) {
    return of(Kind.STATUS, status, 0, 0, null);
  }

  public static Fault slowFirstByte(long ms) {
    return of(Kind.SLOW_FIRST_BYTE, 0, ms, 0, null);
  }

  public static Fault trickle(int bytes, long everyMs) {
    return of(Kind.TRICKLE, 0, everyMs, bytes, null);
  }

  public static Fault malformedJson() {
    return of(Kind.MALFORMED_JSON);
  }

  public static Fault wrongContentType() {
    return of(Kind.WRONG_CONTENT_TYPE);
  }

  public static Fault withoutLastEvent() {
    return of(Kind.WITHOUT_LAST_EVENT);
  }

  /** Keep-alives every {@code keepAliveMs}, forever. */
  public static Fault neverEnds(long keepAliveMs) {
    return of(Kind.NEVER_ENDS, 0, keepAliveMs, 0, null);
  }

  /** The upstream's own answer {@code reply} (e.g. a 429 with {@code Retry-After}), given by the proxy in its place. */
  public static Fault reply(Reply reply) {
    return of(Kind.REPLY, reply.status(), 0, 0, reply);
  }

  private static Fault of(Kind kind) {
    return of(kind, 0, 0, 0, null);
  }

  /** A fault with its figures that meets every request, from the first on: {@link #on}, {@link #after}, {@link #times} narrow it. */
  private static Fault of(Kind kind, int status, long ms, int bytes, Reply reply) {
    return new Fault(kind, status, ms, bytes, null, 0, Integer.MAX_VALUE, reply);
  }

  /** Only requests whose path contains {@code pathPart} (e.g. {@code "/stream/"}) are counted and faulted. */
  public Fault on(String pathPart) {
    return new Fault(kind, status, ms, bytes, pathPart, after, times, reply);
  }

  /** The first {@code n} selected requests pass untouched. */
  public Fault after(int n) {
    return new Fault(kind, status, ms, bytes, on, n, times, reply);
  }

  /** Only {@code n} selected requests are faulted (a burst); the ones after pass. */
  public Fault times(int n) {
    return new Fault(kind, status, ms, bytes, on, after, n, reply);
  }

  boolean selects(String path) {
    return on == null || path.contains(on);
  }
}
