package io.switchboard.core.http;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.stream.ChunkPipe;
import io.switchboard.core.testkit.FakeUpstream;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kit's exchange against a real local server: each clock (first byte, idle, total, the caller's deadline) trips
 * with its own message and resets the request; a reader paused by back-pressure is not idle; a body goes up whole in
 * slices; a refusal before the body is read ends the upload.
 */
@ExtendWith(VertxExtension.class)
class ExchangeTest {

  /** Short idle limit; the first byte may take a cold JVM on a busy machine a while. */
  private static final UpstreamTimeouts SHORT = new UpstreamTimeouts(2_000, 2_000, 300, UpstreamTimeouts.NONE);

  private FakeUpstream server;
  private volatile Consumer<RoutingContext> reply;
  private volatile Promise<Void> closed;
  private UpstreamClient client;

  @BeforeEach
  void start(Vertx vertx) {
    closed = Promise.promise();
    server = FakeUpstream.start(vertx, router -> router.route("/x").handler(ctx -> {
      Promise<Void> watching = closed;
      ctx.request().connection().closeHandler(v -> watching.tryComplete());
      reply.accept(ctx);
    }));
    client = new UpstreamClient(vertx, new Upstream("x", ErrorDialect.OPENAI, null), SHORT, 4, 1 << 20);
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  private RequestOptions post() {
    return new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(server.url("/x"));
  }

  /** What the server does, the call's own bounds, and the timeout the caller must see. */
  static Stream<Arguments> clocks() {
    Consumer<RoutingContext> silent = ctx -> { };
    Consumer<RoutingContext> stalls = ctx -> ctx.response().setChunked(true).write("{\"text\": \"Hel");
    Consumer<RoutingContext> trickles = ctx -> {
      ctx.response().setChunked(true);
      ctx.vertx().setPeriodic(50, t -> {
        if (ctx.response().closed()) {
          ctx.vertx().cancelTimer(t);
        } else {
          ctx.response().write(".");
        }
      });
    };
    return Stream.of(
      Arguments.of("first byte", silent, SHORT.withFirstByteMs(300), 20_000L, "x: no response headers within 300 ms"),
      Arguments.of("idle", stalls, SHORT, 20_000L, "x: no data for 300 ms"),
      Arguments.of("total", trickles, SHORT.withTotalMs(400), 20_000L, "x: no complete answer within 400 ms"),
      Arguments.of("deadline", trickles, SHORT, 400L, "x: the request's deadline passed"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("clocks")
  void eachClockTripsWithItsOwnMessageAndResetsTheRequest(String name, Consumer<RoutingContext> server, UpstreamTimeouts t,
                                                          long deadlineInMs, String message, VertxTestContext test) {
    reply = server;
    Checkpoint timedOut = test.checkpoint();
    Checkpoint reset = test.checkpoint();
    closed.future().onSuccess(v -> reset.flag());
    client.call(post(), List.of(BodyPart.of(Buffer.buffer("{}"))), System.currentTimeMillis() + deadlineInMs, t)
      .onComplete(test.failing(e -> test.verify(() -> {
        MeshException m = (MeshException) e;
        assertEquals(ErrorCode.TIMEOUT, m.errorCode());
        assertEquals(message, m.getMessage());
        timedOut.flag();
      })));
  }

  @Test
  void aReaderPausedByBackPressureIsNotIdle(Vertx vertx, VertxTestContext test) {
    reply = ctx -> {
      ctx.response().setChunked(true);
      for (int i = 0; i < 4; i++) {
        ctx.response().write("chunk-" + i + ";");
      }
      // The pipe (high-water mark 1) fills at the first read; the stream stays open for three and a half.
      ctx.vertx().setTimer(3 * SHORT.idleMs() + SHORT.idleMs() / 2, t -> ctx.response().end());
    };
    ChunkPipe<Buffer> pipe = new ChunkPipe<>(1);
    Buffer got = Buffer.buffer();
    Contexts.onContext(vertx, () -> {
      Exchange ex = client.exchange(System.currentTimeMillis() + 20_000);
      ex.send(post(), Buffer.buffer("{}")).onComplete(test.succeeding(response -> {
        ex.onFailure(pipe::fail);
        ResponseRelay.start(ex, response, pipe, pipe::write, () -> {
          ex.finish();
          pipe.end(null);
        }, t -> ex.fail(ex.cut(got.length(), t)));
      }));
      // Nobody takes from the pipe for three idle limits; then everything is read to a clean end.
      vertx.setTimer(3 * SHORT.idleMs(), t -> pipe.availableHandler(() -> {
        pipe.takeAll().forEach(got::appendBuffer);
        if (pipe.isTerminated()) {
          test.verify(() -> {
            assertEquals(null, pipe.failure());
            assertEquals("chunk-0;chunk-1;chunk-2;chunk-3;", got.toString());
          });
          test.completeNow();
        }
      }));
    });
  }

  @Test
  void aBodyInPartsGoesUpWholeInSlices(VertxTestContext test) {
    reply = ctx -> ctx.request().body().onSuccess(b -> ctx.response().end(Integer.toString(b.length()) + ":" + b.getByte(b.length() - 1)));
    Buffer big = Buffer.buffer(new byte[3 * BodyPart.SLICE + 17]).setByte(3 * BodyPart.SLICE + 16, (byte) 7);
    List<BodyPart> parts = List.of(BodyPart.of(Buffer.buffer("head")), BodyPart.of(big), BodyPart.of(Buffer.buffer()));
    client.call(post(), parts, System.currentTimeMillis() + 20_000).onComplete(test.succeeding(r -> test.verify(() -> {
      assertEquals(200, r.status());
      assertEquals((4 + big.length()) + ":7", r.body().toString());
      test.completeNow();
    })));
  }

  @Test
  void aRefusalBeforeTheBodyIsReadEndsTheUpload(VertxTestContext test) {
    reply = ctx -> ctx.response().setStatusCode(413).end("{\"error\":{\"message\":\"too large\"}}");
    List<BodyPart> huge = List.of(BodyPart.of(Buffer.buffer(new byte[64 << 20])));
    client.call(post(), huge, System.currentTimeMillis() + 20_000).onComplete(test.succeeding(r -> test.verify(() -> {
      assertEquals(413, r.status());
      assertEquals(ErrorCode.PAYLOAD_TOO_LARGE, client.error(r).errorCode());
      test.completeNow();
    })));
  }

  @Test
  void cancelResetsTheRequestAndSaysSo(Vertx vertx, VertxTestContext test) {
    reply = ctx -> ctx.response().setChunked(true).write("partial");
    Checkpoint cancelled = test.checkpoint();
    Checkpoint reset = test.checkpoint();
    closed.future().onSuccess(v -> reset.flag());
    Contexts.onContext(vertx, () -> {
      Exchange ex = client.exchange(System.currentTimeMillis() + 20_000);
      ex.send(post(), Buffer.buffer("{}")).onComplete(test.succeeding(response -> {
        ex.readBody(response, 1 << 20).onComplete(test.failing(e -> test.verify(() -> {
          assertEquals(ErrorCode.CANCELLED, ((MeshException) e).errorCode());
          assertTrue(ex.isDone());
          cancelled.flag();
        })));
        ex.cancel();
      }));
    });
  }

  @Test
  void aRefusedConnectionIsUnavailable(Vertx vertx, VertxTestContext test) {
    RequestOptions nowhere = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI("http://127.0.0.1:" + FakeUpstream.closedPort(vertx) + "/x");
    client.call(nowhere, List.of(), System.currentTimeMillis() + 20_000).onComplete(test.failing(e -> test.verify(() -> {
      assertEquals(ErrorCode.UNAVAILABLE, ((MeshException) e).errorCode());
      assertEquals("x: connection refused", e.getMessage());
      test.completeNow();
    })));
  }
}
