package io.switchboard.realtime.openai;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Health;
import io.switchboard.api.MeshException;
import io.switchboard.api.RealtimeRequest;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.DescribedBackend;
import io.switchboard.core.backend.RealtimeBackend;
import io.switchboard.core.http.ErrorDialect;
import io.switchboard.core.http.UpstreamErrors;
import io.switchboard.core.realtime.RealtimeUpstream;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * OpenAI's Realtime API (GA) as a backend: one WebSocket per session to {@code <base>/realtime?model=...} with the key
 * as a bearer token (no {@code OpenAI-Beta} header: that would select the retired beta shape). A session is open once
 * the server's {@code session.created} came and the caller's session object went up as {@code session.update}; from
 * then on {@link RealtimeSocket} relays the events both ways and counts what the session used. A refused handshake,
 * a socket that cannot open and an {@code error} before {@code session.created} fail the open with the mesh's codes
 * (so the router fails over, and its breaker counts them).
 */
public final class OpenAiRealtimeBackend extends DescribedBackend implements RealtimeBackend {

  public static final String TYPE = "openai-realtime";

  /**
   * @param connectTimeoutMs the socket's open and the server's {@code session.created}, together
   * @param healthIntervalMs how often the upstream is probed ({@link RealtimeHealth}); 0: never (always up)
   */
  public record Settings(String baseUrl, String apiKey, long connectTimeoutMs, long healthIntervalMs, RealtimePrices prices) {
    @Override
    public String toString() {
      return "Settings[baseUrl=" + baseUrl + ", apiKey=(secret)]";
    }
  }

  private final Vertx vertx;
  private final Settings settings;
  private final WebSocketClient client;
  private final RealtimeHealth health;

  public OpenAiRealtimeBackend(Vertx vertx, BackendDescriptor descriptor, Settings settings) {
    super(descriptor);
    this.vertx = vertx;
    this.settings = settings;
    this.client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20).setMaxMessageSize(16 << 20)
      .setConnectTimeout((int) settings.connectTimeoutMs()));
    String probed = descriptor.models().isEmpty() ? "gpt-realtime" : descriptor.models().get(0);
    this.health = new RealtimeHealth(vertx, descriptor.id(), settings.baseUrl(), settings.apiKey(), probed, settings.healthIntervalMs(),
      settings.connectTimeoutMs());
  }

  @Override
  public Future<Health> health() {
    return health.health();
  }

  @Override
  public Future<Void> stop() {
    return Future.join(client.close(), health.close()).mapEmpty();
  }

  @Override
  public Future<RealtimeUpstream> connect(RealtimeRequest request, CallContext context, RealtimeUpstream.Listener listener) {
    String model = descriptor().resolveModel(request.model());
    WebSocketConnectOptions options = new WebSocketConnectOptions()
      .setAbsoluteURI(wsBase(settings.baseUrl()) + "/realtime?model=" + URLEncoder.encode(model, StandardCharsets.UTF_8))
      .addHeader("Authorization", "Bearer " + settings.apiKey())
      .setTimeout(settings.connectTimeoutMs());
    if (context.requestId() != null) {
      options.addHeader("X-Client-Request-Id", context.requestId());
    }
    Promise<RealtimeUpstream> opened = Promise.promise();
    long timer = vertx.setTimer(settings.connectTimeoutMs(), t -> opened.tryFail(
      new MeshException(ErrorCode.TIMEOUT, descriptor().id() + ": no session.created within " + settings.connectTimeoutMs() + " ms")));
    client.connect(options).onComplete(ar -> {
      if (ar.failed()) {
        opened.tryFail(handshakeError(ar.cause()));
        return;
      }
      RealtimeSocket socket = new RealtimeSocket(descriptor().id(), model, ar.result(), settings, listener);
      socket.open(request.session()).onComplete(o -> {
        if (o.succeeded()) {
          if (!opened.tryComplete(socket)) {
            socket.close("opened after the timeout");
          }
        } else {
          opened.tryFail(o.cause());
        }
      });
      opened.future().onFailure(e -> socket.close("open failed"));
    });
    return opened.future().onComplete(ar -> vertx.cancelTimer(timer));
  }

  private MeshException handshakeError(Throwable t) {
    if (t instanceof UpgradeRejectedException r) {
      MultiMap headers = r.getHeaders() == null ? MultiMap.caseInsensitiveMultiMap() : r.getHeaders();
      return UpstreamErrors.fromStatus(ErrorDialect.OPENAI, descriptor().id(), r.getStatus(), headers, r.getBody(), settings.apiKey());
    }
    return UpstreamErrors.fromTransport(descriptor().id(), t);
  }

  /** {@code https://host/v1} as the WebSocket URL {@code wss://host/v1}. */
  static String wsBase(String base) {
    return rescheme(base, "http", "ws");
  }

  /**
   * {@code base} with its scheme moved from {@code from} to {@code to}, keeping TLS ({@code https} to {@code wss},
   * {@code http} to {@code ws}, and back); any other base stays as it is.
   */
  static String rescheme(String base, String from, String to) {
    for (String tls : new String[] {"s", ""}) {
      String prefix = from + tls + "://";
      if (base.startsWith(prefix)) {
        return to + tls + "://" + base.substring(prefix.length());
      }
    }
    return base;
  }
}
