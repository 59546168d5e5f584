package io.switchboard.realtime.openai;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.Usage;
import io.switchboard.core.realtime.RealtimeUpstream;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonObject;

/**
 * One open session's socket to a Realtime server: server events relayed to the listener as the JSON text they came in
 * (parsed only to count: audio out, tokens from {@code response.done}, the formats of {@code session.updated}, the
 * last {@code error}); client events sent up as they come (audio in counted). Ends once, when the socket closes: with
 * the code of the last {@code error} event when one came just before (e.g. {@code session_expired}), an upstream error
 * when it closed on its own, or cleanly when we closed it. On the socket's context.
 */
final class RealtimeSocket implements RealtimeUpstream {

  private static final System.Logger LOG = System.getLogger(RealtimeSocket.class.getName());

  private final String backendId;
  private final String model;
  private final WebSocket ws;
  private final OpenAiRealtimeBackend.Settings settings;
  private final Listener listener;
  private final Promise<Void> created = Promise.promise();
  private JsonObject pendingSession;
  private AudioFormat inputFormat = AudioFormat.PCM24K;
  private AudioFormat outputFormat = AudioFormat.PCM24K;
  private long inBytes;
  private long outBytes;
  private long inputTokens;
  private long outputTokens;
  private MeshException lastError;
  private String closingReason;
  private boolean ended;

  RealtimeSocket(String backendId, String model, WebSocket ws, OpenAiRealtimeBackend.Settings settings, Listener listener) {
    this.backendId = backendId;
    this.model = model;
    this.ws = ws;
    this.settings = settings;
    this.listener = listener;
    ws.textMessageHandler(this::received);
    ws.exceptionHandler(e -> LOG.log(System.Logger.Level.DEBUG, backendId + ": realtime socket error: " + e.getMessage()));
    ws.closeHandler(v -> closed());
  }

  /** Completes once the server said {@code session.created} and {@code session} went up as {@code session.update}. */
  Future<Void> open(JsonObject session) {
    pendingSession = session.copy();
    if (!pendingSession.containsKey("type")) {
      pendingSession.put("type", "realtime");
    }
    return created.future();
  }

  @Override
  public void send(String json) {
    if (ws.isClosed()) {
      return;
    }
    String type = EventType.of(json);
    if (type.equals("input_audio_buffer.append")) {
      inBytes += Base64Length.decoded(new JsonObject(json).getString("audio", ""));
    } else if (type.equals("session.update")) {
      formats(new JsonObject(json).getJsonObject("session"));
    }
    ws.writeTextMessage(json);
  }

  @Override
  public void close(String reason) {
    if (closingReason == null) {
      closingReason = reason;
    }
    if (!ws.isClosed()) {
      ws.close((short) 1000, reason.length() > 120 ? reason.substring(0, 120) : reason);
    } else {
      closed();
    }
  }

  private void received(String json) {
    String type = EventType.of(json);
    switch (type) {
      case "session.created" -> {
        if (!created.future().isComplete()) {
          formats(pendingSession);
          ws.writeTextMessage(new JsonObject().put("type", "session.update").put("session", pendingSession).encode());
          created.tryComplete();
        }
      }
      case "session.updated" -> formats(new JsonObject(json).getJsonObject("session"));
      case "response.output_audio.delta" -> outBytes += Base64Length.decoded(new JsonObject(json).getString("delta", ""));
      case "response.done" -> usage(new JsonObject(json));
      case "error" -> {
        JsonObject error = new JsonObject(json).getJsonObject("error", new JsonObject());
        lastError = RealtimeErrors.map(backendId, error, settings.apiKey());
        if (!created.future().isComplete()) {
          created.tryFail(lastError);
        }
      }
      default -> { }
    }
    if (created.future().succeeded()) {
      listener.event(json);
    }
  }

  private void usage(JsonObject done) {
    Usage u = Usage.ofResponseDone(done);
    if (u != null) {
      inputTokens += u.promptTokens();
      outputTokens += u.completionTokens();
    }
  }

  private void formats(JsonObject session) {
    if (session == null) {
      return;
    }
    JsonObject audio = session.getJsonObject("audio", new JsonObject());
    inputFormat = AudioFormat.of(audio.getJsonObject("input", new JsonObject()).getJsonObject("format"), inputFormat);
    outputFormat = AudioFormat.of(audio.getJsonObject("output", new JsonObject()).getJsonObject("format"), outputFormat);
  }

  private void closed() {
    if (ended) {
      return;
    }
    ended = true;
    if (!created.future().isComplete()) {
      created.tryFail(lastError != null ? lastError : new MeshException(ErrorCode.UPSTREAM, backendId + ": the socket closed before session.created"));
      return;
    }
    double in = inBytes / inputFormat.bytesPerSecond();
    double out = outBytes / outputFormat.bytesPerSecond();
    SessionUsage usage = new SessionUsage(model, in, out, inputTokens, outputTokens,
      settings.prices().cost(model, in, out, inputTokens, outputTokens));
    if (closingReason != null) {
      listener.ended(closingReason, null, usage);
    } else if (lastError != null) {
      listener.ended(lastError.getMessage(), lastError.errorCode(), usage);
    } else {
      String why = ws.closeStatusCode() == null ? "" : " (" + ws.closeStatusCode() + (ws.closeReason() == null ? "" : " " + ws.closeReason()) + ")";
      listener.ended(backendId + ": the upstream closed the session" + why, ErrorCode.UPSTREAM, usage);
    }
  }
}
