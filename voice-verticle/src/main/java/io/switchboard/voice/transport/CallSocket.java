package io.switchboard.voice.transport;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.voice.call.Call;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

import java.util.function.Consumer;

/**
 * What both call sockets share, whatever their wire protocol: the WebSocket, the call's life on it (new, opening
 * while its key is checked, active, closed), caller audio that arrives while the call opens, and the three ways it
 * ends: the client hangs up or goes away, the client breaks the protocol (that call alone closes, with the reason),
 * or the node ends the call. On the socket's context only.
 */
final class CallSocket {

  private static final System.Logger LOG = System.getLogger(CallSocket.class.getName());

  enum State { NEW, OPENING, ACTIVE, CLOSED }

  private final ServerWebSocket socket;
  private final String kind;
  private final Runnable onClosed;
  private final EarlyAudio early = new EarlyAudio();
  private State state = State.NEW;
  private Call session;
  private Consumer<ProtocolException> protocolError;

  /** @param onClosed runs once when the socket closes, whether or not a call was opened on it */
  CallSocket(ServerWebSocket socket, String kind, Runnable onClosed) {
    this.socket = socket;
    this.kind = kind;
    this.onClosed = onClosed;
  }

  /** Starts reading: text and binary messages to the protocol's handlers; a {@link ProtocolException} ends the call. */
  void read(Handler<String> text, Handler<Buffer> binary) {
    socket.textMessageHandler(t -> guarded(() -> text.handle(t)));
    socket.binaryMessageHandler(b -> guarded(() -> binary.handle(b)));
    socket.exceptionHandler(e -> {
      if (ProtocolException.isOversizeMessage(e)) {
        guarded(() -> {
          throw new ProtocolException(ProtocolException.TOO_BIG, ProtocolException.OVERSIZE);
        });
      } else {
        LOG.log(System.Logger.Level.DEBUG, kind + " socket error: " + e.getMessage());
      }
    });
    socket.closeHandler(v -> closed());
  }

  State state() {
    return state;
  }

  /** True once the call's settings came (opening or open). */
  boolean started() {
    return state == State.OPENING || state == State.ACTIVE;
  }

  /** Opens the call (its settings came); {@code onRefused} tells the client why before the socket closes. */
  void open(CallOpener opener, CallTransport transport, JsonObject params, String headerKey, String boundTo,
            Consumer<MeshException> onRefused) {
    state = State.OPENING;
    opener.open(transport, params, headerKey, boundTo).onComplete(ar -> {
      if (state == State.CLOSED) {
        if (ar.succeeded()) {
          ar.result().end("the client went away", (short) 1000, null);
        }
        return;
      }
      if (ar.failed()) {
        MeshException e = MeshException.from(ar.cause());
        LOG.log(System.Logger.Level.INFO, "{0} call refused: {1}", kind, e.getMessage());
        onRefused.accept(e);
        state = State.CLOSED;
        close(ProtocolException.POLICY, e.getMessage());
        return;
      }
      session = ar.result();
      state = State.ACTIVE;
      session.start();
      early.replay(session);
    });
  }

  /** Caller audio: to the call, or kept until it is open. */
  void audio(float[] samples) {
    if (state == State.ACTIVE) {
      session.audio(samples);
    } else if (state == State.OPENING) {
      early.add(samples);
    }
  }

  /** The open call, or null. */
  Call session() {
    return session;
  }

  /** The client ended the call ({@code stop}). */
  void hangUp(String reason) {
    State was = state;
    state = State.CLOSED;
    if (was == State.ACTIVE) {
      session.end(reason, (short) 1000, null);
    } else {
      close((short) 1000, "stopped");
    }
  }

  boolean isOpen() {
    return state != State.CLOSED && !socket.isClosed();
  }

  void writeText(String text) {
    if (!socket.isClosed()) {
      socket.writeTextMessage(text);
    }
  }

  void writeBinary(Buffer b) {
    if (isOpen()) {
      socket.writeBinaryMessage(b);
    }
  }

  void close(short status, String reason) {
    if (!socket.isClosed()) {
      socket.close(status, reason.length() > 120 ? reason.substring(0, 120) : reason);
    }
  }

  /** Runs {@code r}; a broken protocol ends this call, with the reason logged and sent. */
  private void guarded(Runnable r) {
    if (state == State.CLOSED) {
      return;
    }
    try {
      r.run();
    } catch (ProtocolException e) {
      LOG.log(System.Logger.Level.WARNING, "{0} call: closing it: {1}", kind, e.getMessage());
      State was = state;
      state = State.CLOSED;
      if (protocolError != null) {
        protocolError.accept(e);
      }
      if (was == State.ACTIVE) {
        session.end("protocol error: " + e.getMessage(), e.status(), ErrorCode.INVALID_REQUEST);
      } else {
        close(e.status(), e.getMessage());
      }
    }
  }

  /** Runs before a call is closed for a broken protocol (the plain socket sends an {@code error} event). */
  void onProtocolError(Consumer<ProtocolException> c) {
    this.protocolError = c;
  }

  private void closed() {
    State was = state;
    state = State.CLOSED;
    if (was == State.ACTIVE) {
      session.end("the client went away", (short) 1000, null);
    }
    onClosed.run();
  }
}
