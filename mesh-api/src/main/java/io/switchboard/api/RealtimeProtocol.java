package io.switchboard.api;

/**
 * How a realtime session travels on the bus once the router has opened it. The open request ({@link RealtimeRequest}
 * on {@link Addresses#REALTIME}) names the caller's events address; the backend instance answers
 * {@code {"session": <address>, "session_id", "model"}} once its upstream socket is open. From then on both sides
 * send one-way messages whose body is one Realtime API event as JSON text (a {@code String}, passed through as it is),
 * and whose {@link #HEADER} header says what it is:
 * <ul>
 *   <li>{@link #EVENT}: a client event (caller to session) or a server event (session to caller);</li>
 *   <li>{@link #PING}: the caller is still there (no body, a request: the session answers it, so a caller whose
 *       session's node died learns it); a session that hears nothing from its caller for {@link #IDLE_TIMEOUT_MS}
 *       ends, so a caller that died does not keep an upstream session open;</li>
 *   <li>{@link #END}: either side ends the session. From the session the body is {@link #endJson}: the reason, the
 *       mesh error code when it failed, and what the session used ({@code usage}: audio seconds in and out, tokens,
 *       cost at the backend's prices).</li>
 * </ul>
 */
public final class RealtimeProtocol {

  public static final String HEADER = "x-switchboard-realtime";
  public static final String EVENT = "event";
  public static final String PING = "ping";
  public static final String END = "end";

  /**
   * How often a caller pings its session, how long it waits for the answer (a call whose session's node died learns it
   * within their sum: dead air a caller hears, so short), and how long a session waits without hearing from its caller.
   */
  public static final long PING_MS = 1_000;
  public static final long PING_TIMEOUT_MS = 3_000;
  public static final long IDLE_TIMEOUT_MS = 20_000;

  private RealtimeProtocol() {
  }
}
