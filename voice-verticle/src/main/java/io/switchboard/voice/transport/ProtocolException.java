package io.switchboard.voice.transport;

/**
 * A client broke the call's wire protocol (a malformed frame, events out of order, bad base64, a payload too big):
 * the call is closed with {@link #status} and the message as reason, and nothing else is affected.
 */
public final class ProtocolException extends RuntimeException {

  /** WebSocket close codes (RFC 6455): 1003 unsupported data, 1007 invalid payload, 1008 policy, 1009 too big. */
  public static final short UNSUPPORTED = 1003;
  public static final short INVALID = 1007;
  public static final short POLICY = 1008;
  public static final short TOO_BIG = 1009;

  private final short status;

  public ProtocolException(short status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  public short status() {
    return status;
  }

  /** What a client is told of a message {@link #isOversizeMessage} dropped. */
  public static final String OVERSIZE = "message larger than this socket takes (256 KiB)";

  /**
   * True for Vert.x's report that a WebSocket message went over the server's message bound (its default, 256 KiB):
   * Vert.x drops such a message whole and tells only the socket's exception handler, with an
   * {@link IllegalStateException} (it has no type of its own), so without this the client would hear nothing at all.
   */
  public static boolean isOversizeMessage(Throwable e) {
    return e instanceof IllegalStateException && e.getMessage() != null && e.getMessage().contains("max message size");
  }
}
