package io.switchboard.voice.realtime;

import io.switchboard.api.RouteHints;
import io.switchboard.core.realtime.RealtimeLink;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;

/**
 * {@code GET /v1/realtime} in realtime mode: the client's socket relayed to a session opened through the router on a
 * realtime backend. Client events are checked ({@link GaEvents#parse}: an unknown one gets an {@code error} event
 * naming it, and goes no further) and passed on as they were written; server events come back as the upstream wrote
 * them. Server events that come before the client's socket is upgraded wait for it. Either side's end ends the other.
 */
public final class RealtimeRelay {

  private static final System.Logger LOG = System.getLogger(RealtimeRelay.class.getName());

  private final ArrayDeque<String> waiting = new ArrayDeque<>();
  private RealtimeLink link;
  private ServerWebSocket ws;
  private boolean closed;

  private RealtimeRelay() {
  }

  /**
   * Opens the session (before the client's socket is upgraded, so that a session that cannot start can still start in
   * the fallback mode); its server events wait for {@link #attach}.
   */
  public static Future<RealtimeRelay> open(Vertx vertx, RealtimeSettings rs, String model, RouteHints hints, String keyId) {
    RealtimeRelay relay = new RealtimeRelay();
    JsonObject session = rs.session(new JsonObject().put("type", "audio/pcm").put("rate", RealtimeAudio.PCM_RATE), null, null);
    return RealtimeLink.open(vertx, model, session, hints, keyId, rs.openTimeoutMs(), relay::toClient).map(link -> {
      relay.link = link;
      return relay;
    });
  }

  /** Relays {@code ws} from now on; {@code onClosed} runs once when it closes. */
  public void attach(ServerWebSocket socket, Runnable onClosed) {
    this.ws = socket;
    ws.textMessageHandler(this::fromClient);
    ws.binaryMessageHandler(b -> refuse(GaEvents.error("invalid_request_error", "invalid_value",
      "Binary frames are not part of the Realtime API: send JSON text events.", null, null)));
    ws.closeHandler(v -> {
      closed = true;
      link.end("the client went away");
      onClosed.run();
    });
    while (!waiting.isEmpty()) {
      ws.writeTextMessage(waiting.poll());
    }
    link.ended().onComplete(end -> {
      RealtimeLink.End e = end.result();
      LOG.log(System.Logger.Level.INFO, "realtime relay on {0} ended: {1}", link.backend(), e.reason());
      if (e.error() != null) {
        toClient(GaEvents.error("server_error", e.error().openAiCode(), e.reason(), null, null).encode());
      }
      close(e.error() == null ? (short) 1000 : (short) 1011, e.error() == null ? "session ended" : e.error().openAiCode());
    });
  }

  /** The socket could not be upgraded: the session ends. */
  public void abandon() {
    link.end("the client's socket did not open");
  }

  private void fromClient(String text) {
    try {
      GaEvents.parse(text);
    } catch (GaEvents.Refused r) {
      refuse(r.error);
      return;
    }
    link.send(text);
  }

  private void refuse(JsonObject error) {
    toClient(error.encode());
  }

  private void toClient(String json) {
    if (ws == null) {
      waiting.add(json);
    } else if (!ws.isClosed()) {
      ws.writeTextMessage(json);
    }
  }

  private void close(short status, String reason) {
    if (!ws.isClosed()) {
      ws.close(status, reason);
    }
  }
}
