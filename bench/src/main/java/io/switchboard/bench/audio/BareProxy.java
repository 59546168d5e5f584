package io.switchboard.bench.audio;

import io.switchboard.core.stream.BusStreams;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The floor for {@code bench/speech.sh}, and the steps from it to the mesh: the least a Vert.x HTTP proxy can do on
 * this machine, then the same with the pieces Switchboard adds, so that speech's added time to first audio can be
 * split into what any Vert.x proxy costs and what each layer of the mesh costs. Any {@code POST} on {@code --port}
 * becomes a call to the mock upstream's {@code /v1/audio/speech} on a pooled connection (with the bench key); each
 * chunk of the answer is written back as it arrives. A {@code GET} is answered 200 (the readiness wait). Loopback only.
 * <ul>
 *   <li>{@code --layers plain} (default): HTTP server → HTTP client, one verticle, one event loop;</li>
 *   <li>{@code --layers web}: the same behind a Vert.x Web {@link Router} with a {@link BodyHandler} and the body
 *       parsed as JSON, as the web verticle takes it;</li>
 *   <li>{@code --layers bus}: web, then the request crosses the event bus twice (web verticle → relay verticle →
 *       upstream verticle, each deployed on its own, so on its own event loop, like the web, router and backend
 *       verticles) and the audio comes back through the mesh's own stream protocol ({@link ChunkPipe},
 *       {@link BusStreams}: one reply per credit, relayed) — the mesh's shape with no policy, routing, metering or
 *       adapter logic.</li>
 * </ul>
 *
 * <p>{@code --event-loops N} sets Vert.x's event loop count (default two per core): with 1, the bus hops stay but
 * no longer cross threads.
 *
 * <p>Usage: {@code BareProxy [--port 18080] [--upstream-port 18091] [--layers plain|web|bus] [--event-loops N]}
 */
public final class BareProxy {

  private static final String RELAY = "bare.relay";
  private static final String UPSTREAM = "bare.upstream";
  private static final long TIMEOUT_MS = 30_000;

  private BareProxy() {
  }

  public static void main(String[] args) {
    int port = Integer.parseInt(Args.get(args, "--port", "18080"));
    int upstreamPort = Integer.parseInt(Args.get(args, "--upstream-port", "18091"));
    String layers = Args.get(args, "--layers", "plain");
    if (!java.util.Set.of("plain", "web", "bus").contains(layers)) {
      System.err.println("--layers is plain, web or bus");
      System.exit(2);
    }
    int loops = Integer.parseInt(Args.get(args, "--event-loops", "0"));
    Vertx vertx = Vertx.vertx(loops > 0 ? new io.vertx.core.VertxOptions().setEventLoopPoolSize(loops) : new io.vertx.core.VertxOptions());
    Future<?> ready = layers.equals("bus")
      ? vertx.deployVerticle(new UpstreamVerticle(upstreamPort)).compose(id -> vertx.deployVerticle(new RelayVerticle()))
      : Future.succeededFuture();
    ready.compose(v -> vertx.deployVerticle(new ServerVerticle(port, upstreamPort, layers)))
      .onSuccess(id -> System.out.println("bare proxy (" + layers + ") on 127.0.0.1:" + port + " -> 127.0.0.1:" + upstreamPort))
      .onFailure(err -> {
        err.printStackTrace();
        vertx.close();
      });
  }

  private static RequestOptions upstream(int upstreamPort) {
    return new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(upstreamPort)
      .setURI("/v1/audio/speech").putHeader("authorization", "Bearer bench-key").putHeader("content-type", "application/json");
  }

  private static HttpClient client(Vertx vertx) {
    return vertx.createHttpClient(new HttpClientOptions().setTcpNoDelay(true), new PoolOptions().setHttp1MaxSize(64));
  }

  /** The HTTP side: takes the request as the chosen layers do and writes the audio back as it comes. */
  private static final class ServerVerticle extends io.vertx.core.VerticleBase {
    private final int port;
    private final int upstreamPort;
    private final String layers;
    private HttpClient client;

    ServerVerticle(int port, int upstreamPort, String layers) {
      this.port = port;
      this.upstreamPort = upstreamPort;
      this.layers = layers;
    }

    @Override
    public Future<?> start() {
      client = client(vertx);
      Handler<HttpServerRequest> handler;
      if (layers.equals("plain")) {
        handler = req -> {
          if (req.method() == HttpMethod.GET) {
            req.response().end("ready");
          } else {
            req.body().onSuccess(body -> direct(req.response(), body));
          }
        };
      } else {
        Router router = Router.router(vertx);
        router.get("/health/ready").handler(ctx -> ctx.response().end("ready"));
        router.post("/v1/audio/speech").handler(BodyHandler.create(false)).handler(ctx -> {
          JsonObject json = ctx.body().asJsonObject();
          if (layers.equals("web")) {
            direct(ctx.response(), json.toBuffer());
          } else {
            overBus(ctx.response(), json);
          }
        });
        handler = router;
      }
      return vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true)).requestHandler(handler).listen(port, "127.0.0.1");
    }

    private void direct(HttpServerResponse res, Buffer body) {
      client.request(upstream(upstreamPort))
        .compose(up -> up.send(body))
        .onSuccess(answer -> {
          res.setStatusCode(answer.statusCode()).setChunked(true).putHeader("content-type", "audio/mpeg");
          answer.handler(res::write);
          answer.endHandler(v -> res.end());
          answer.exceptionHandler(err -> res.reset());
        })
        .onFailure(err -> res.setStatusCode(502).end());
    }

    private void overBus(HttpServerResponse res, JsonObject body) {
      vertx.eventBus().<Object>request(RELAY, body, new DeliveryOptions().setLocalOnly(true).setSendTimeout(TIMEOUT_MS)).onComplete(ar -> {
        if (ar.failed()) {
          res.setStatusCode(502).end();
          return;
        }
        res.setChunked(true).putHeader("content-type", "audio/mpeg");
        write(res, ar.result());
      });
    }

    private void write(HttpServerResponse res, Message<Object> msg) {
      Buffer audio = msg.body() instanceof Buffer b ? b : Buffer.buffer();
      if (BusStreams.isEnd(msg)) {
        res.end(audio);
        return;
      }
      res.write(audio);
      BusStreams.next(msg, TIMEOUT_MS).onComplete(ar -> {
        if (ar.succeeded()) {
          write(res, ar.result());
        } else {
          res.reset();
        }
      });
    }
  }

  /** Stands where the router is: sends on and relays the stream back, one message per credit. */
  private static final class RelayVerticle extends AbstractVerticle {
    @Override
    public void start() {
      vertx.eventBus().<Object>consumer(RELAY, caller -> vertx.eventBus().<Object>request(UPSTREAM, caller.body(),
        new DeliveryOptions().setSendTimeout(TIMEOUT_MS)).onComplete(ar -> {
          if (ar.failed()) {
            caller.fail(502, ar.cause().getMessage());
          } else {
            relay(caller, ar.result());
          }
        }));
    }

    private void relay(Message<Object> caller, Message<Object> fromUpstream) {
      if (BusStreams.isEnd(fromUpstream)) {
        caller.reply(fromUpstream.body(), BusStreams.end());
        return;
      }
      caller.replyAndRequest(fromUpstream.body(), BusStreams.data(TIMEOUT_MS)).onComplete(credit -> {
        if (credit.failed()) {
          BusStreams.cancel(fromUpstream);
          return;
        }
        BusStreams.next(fromUpstream, TIMEOUT_MS).onComplete(next -> {
          if (next.failed()) {
            credit.result().fail(502, next.cause().getMessage());
          } else {
            relay(credit.result(), next.result());
          }
        });
      });
    }
  }

  /** Stands where a cloud speech backend is: the upstream call, its audio into a pipe served over the bus. */
  private static final class UpstreamVerticle extends AbstractVerticle {
    private final int upstreamPort;
    private HttpClient client;

    UpstreamVerticle(int upstreamPort) {
      this.upstreamPort = upstreamPort;
    }

    @Override
    public void start() {
      client = client(vertx);
      vertx.eventBus().<Object>consumer(UPSTREAM, msg -> {
        ChunkPipe<Buffer> pipe = new ChunkPipe<>(16);
        client.request(upstream(upstreamPort))
          .compose(up -> up.send(((JsonObject) msg.body()).toBuffer()))
          .onSuccess(answer -> {
            answer.handler(pipe::write);
            answer.endHandler(v -> pipe.end(new JsonObject()));
            answer.exceptionHandler(pipe::fail);
          })
          .onFailure(pipe::fail);
        BusStreams.serve(msg, pipe, TIMEOUT_MS, (batch, first) -> concat(batch), (batch, trailer) -> concat(batch));
      });
    }

    private static Buffer concat(java.util.List<Buffer> batch) {
      Buffer out = Buffer.buffer();
      batch.forEach(out::appendBuffer);
      return out;
    }
  }
}
