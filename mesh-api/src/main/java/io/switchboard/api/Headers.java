package io.switchboard.api;

/**
 * Message headers of the bus contract. Headers carry what is not part of the OpenAI-shaped body:
 * which operation a backend should run, the request's identity, and stream control.
 */
public final class Headers {

  /** On messages to {@code switchboard.backend.<id>}: the operation, one of the {@code OP_*} values. */
  public static final String OP = "x-switchboard-op";
  public static final String OP_CHAT = "chat";
  public static final String OP_EMBED = "embed";
  public static final String OP_TRANSCRIBE = "transcribe";
  public static final String OP_SPEECH = "speech";
  public static final String OP_HEALTH = "health";

  /** Request id; the router makes one when the caller sends none. */
  public static final String REQUEST_ID = "x-request-id";
  /** Id (never the secret) of the API key the request came with. */
  public static final String KEY_ID = "x-switchboard-key-id";
  /** Absolute deadline, epoch milliseconds; backends give up after it. */
  public static final String DEADLINE = "x-switchboard-deadline";
  /** On the router's first reply (whole, or a stream's first message): the id of the backend that served. */
  public static final String BACKEND = "x-switchboard-backend";
  /** On the router's first reply: the route explanation, {@link RouteInfo} as JSON. */
  public static final String ROUTE = "x-switchboard-route";

  private static final java.util.HexFormat HEX = java.util.HexFormat.of();

  private Headers() {
  }

  /**
   * A new request id, {@code req_} and 24 hex digits (96 random bits). Ids name requests in logs, headers and the
   * ledger; they are not secrets, so they come from {@link java.util.concurrent.ThreadLocalRandom}, not from the
   * {@link java.security.SecureRandom} behind {@code UUID.randomUUID()}, which costs a system call on every other id.
   */
  public static String newRequestId() {
    java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
    return "req_" + HEX.toHexDigits(r.nextLong()) + HEX.toHexDigits(r.nextInt());
  }
}
