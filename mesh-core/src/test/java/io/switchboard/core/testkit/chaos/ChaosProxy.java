package io.switchboard.core.testkit.chaos;

import io.switchboard.core.testkit.Conditions;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * A fault-injecting HTTP/1.1 proxy on 127.0.0.1 and a random port, to put between a real adapter and a wire-exact
 * fake (point the adapter's base URL at {@link #url}). Each request is read whole, forwarded to the fake, and its
 * whole answer held; then the {@link Fault} in force shapes what the client gets: nothing but a TCP reset, the
 * headers and a reset, half the body and a reset, a gateway's 5xx, a late first byte, a trickle, broken JSON, an
 * HTML page, an event stream without its last event, a body that never ends, or an answer of the upstream's own
 * scripted by the test (a 429 with {@code Retry-After}, a JSON 5xx, a failed job). Requests the fault does not select
 * are forwarded untouched.
 *
 * <p>Resets are real TCP resets (the server's sockets linger 0), sent once what went before has reached the client.
 * Holding the answer whole before shaping it makes every fault exact (the cut falls on an event boundary, the
 * broken JSON is the first document) at the cost of the fake's own pacing, which the chaos tests do not need.
 *
 * <pre>{@code
 * ChaosProxy proxy = await(ChaosProxy.start(vertx, fake.port()));
 * proxy.inject(Fault.status(503).times(5));      // a burst of five 503s, then healthy again
 * proxy.inject(Fault.resetBeforeHeaders().on("/stream/").after(1).times(1));   // the second stream poll
 * }</pre>
 * Thread-safe: tests inject and read from any thread.
 */
public final class ChaosProxy {

  /** Gap between the last bytes written and a reset, so the client has read them before the RST arrives. */
  static final long RESET_AFTER_WRITE_MS = 30;

  private final Vertx vertx;
  private final int targetPort;
  private final HttpServer server;
  private final HttpClient client;
  private final Conditions conditions = new Conditions();
  private final AtomicInteger selected = new AtomicInteger();
  private final AtomicInteger faulted = new AtomicInteger();
  private final AtomicInteger forwarded = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private volatile Fault fault = Fault.pass();

  private ChaosProxy(Vertx vertx, int targetPort) {
    this.vertx = vertx;
    this.targetPort = targetPort;
    this.server = vertx.createHttpServer(new HttpServerOptions().setSoLinger(0)).requestHandler(this::handle);
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setName("chaos-proxy"),
      new PoolOptions().setHttp1MaxSize(64));
  }

  /** A proxy to {@code 127.0.0.1:targetPort}, passing everything until a fault is injected. */
  public static Future<ChaosProxy> start(Vertx vertx, int targetPort) {
    ChaosProxy proxy = new ChaosProxy(vertx, targetPort);
    return proxy.server.listen(0, "127.0.0.1").map(s -> proxy);
  }

  public int port() {
    return server.actualPort();
  }

  /** {@code http://127.0.0.1:<port><path>}: the base URL to give the adapter, with the fake's own path. */
  public String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  /** From now on: {@code f} for the requests it selects; its counts start again. */
  public ChaosProxy inject(Fault f) {
    selected.set(0);
    faulted.set(0);
    this.fault = f;
    return this;
  }

  /** Everything passes again. */
  public ChaosProxy heal() {
    return inject(Fault.pass());
  }

  /** Requests the current fault was applied to. */
  public int faulted() {
    return faulted.get();
  }

  /** Requests forwarded to the upstream in all (a reset before headers and a gateway status are not). */
  public int forwarded() {
    return forwarded.get();
  }

  /**
   * Answers still open: requests whose answer has neither ended nor lost its connection. A client that gave up on a
   * body that never ends or trickles must close its connection; an answer left open here is a connection it leaked.
   */
  public int open() {
    return open.get();
  }

  /** Completes once {@code condition} on this proxy holds, checked as requests are faulted and forwarded. */
  public Future<Void> once(BooleanSupplier condition) {
    return conditions.once(condition);
  }

  public Future<Void> close() {
    return server.close().compose(v -> client.close());
  }

  private void handle(HttpServerRequest req) {
    open.incrementAndGet();
    AtomicBoolean over = new AtomicBoolean();
    Runnable done = () -> {
      if (over.compareAndSet(false, true)) {
        open.decrementAndGet();
        conditions.changed();
      }
    };
    req.response().endHandler(v -> done.run()).closeHandler(v -> done.run());
    req.body().onSuccess(body -> {
      Fault f = choose(req.path());
      switch (f.kind()) {
        case RESET_BEFORE_HEADERS -> req.connection().close();
        case STATUS -> gatewayPage(req.response(), f.status());
        case REPLY -> {
          req.response().setStatusCode(f.reply().status());
          f.reply().headers().forEach(req.response()::putHeader);
          req.response().end(f.reply().body());
        }
        default -> forward(req, body).onComplete(ar -> {
          if (ar.failed()) {
            gatewayPage(req.response(), 502);
          } else {
            new FaultyAnswer(vertx, req.response(), ar.result(), f).send();
          }
        });
      }
      conditions.changed();
    });
  }

  /** The fault for a request on {@code path}: the current one if it selects this request, else a pass. */
  private Fault choose(String path) {
    Fault f = fault;
    if (f.kind() == Fault.Kind.PASS || !f.selects(path)) {
      return Fault.pass();
    }
    int n = selected.incrementAndGet();
    if (n <= f.after() || n > f.after() + (long) f.times()) {
      return Fault.pass();
    }
    faulted.incrementAndGet();
    return f;
  }

  private Future<HeldAnswer> forward(HttpServerRequest req, Buffer body) {
    MultiMap headers = HeldAnswer.endToEnd(req.headers());
    RequestOptions options = new RequestOptions().setMethod(req.method()).setHost("127.0.0.1").setPort(targetPort)
      .setURI(req.uri()).setHeaders(headers);
    return client.request(options)
      .compose(r -> r.send(body))
      .compose(res -> res.body().map(b -> new HeldAnswer(res.statusCode(), HeldAnswer.endToEnd(res.headers()), b)))
      .onSuccess(a -> {
        forwarded.incrementAndGet();
        conditions.changed();
      });
  }

  /** What a gateway in front of an upstream answers when it cannot reach it: its own HTML page. */
  static void gatewayPage(HttpServerResponse resp, int status) {
    String page = "<html>\r\n<head><title>" + status + " Gateway Error</title></head>\r\n<body>\r\n<center><h1>" + status
      + " Gateway Error</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
    resp.setStatusCode(status).putHeader("content-type", "text/html").putHeader("server", "nginx").end(page);
  }
}
