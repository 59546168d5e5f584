package io.switchboard.core.testkit.chaos;

import io.switchboard.core.testkit.FakeUpstream;
import io.switchboard.core.testkit.OnContext;
import io.switchboard.core.testkit.TestVertx;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.switchboard.core.testkit.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the chaos proxy puts on the wire for each fault, read with a plain HTTP client, so the chaos suite can trust it. */
class ChaosProxyTest {

  @RegisterExtension
  static final TestVertx vx = new TestVertx();

  static final String SSE = "data: {\"n\":1,\"text\":\"one\"}\n\ndata: {\"n\":2,\"text\":\"two\"}\n\n"
    + "data: {\"n\":3,\"text\":\"three\"}\n\ndata: [DONE]\n\n";
  static final String JSON = new JsonObject().put("id", "x-1").put("text", "a whole answer").encode();

  static FakeUpstream upstream;
  static final AtomicInteger upstreamCalls = new AtomicInteger();
  static ChaosProxy proxy;
  static HttpClient http;
  static Context context;

  /** What the client saw: the status (0: none), content type, the body read, and how it ended (null: cleanly). */
  record Seen(int status, String contentType, Buffer body, Throwable failure) {
    String text() {
      return body.toString();
    }
  }

  @BeforeAll
  static void start() {
    upstream = FakeUpstream.start(vx.get(), router -> {
      router.get("/sse").handler(ctx -> {
        upstreamCalls.incrementAndGet();
        ctx.response().putHeader("content-type", "text/event-stream").end(SSE);
      });
      router.get("/json").handler(ctx -> {
        upstreamCalls.incrementAndGet();
        ctx.response().putHeader("content-type", "application/json").end(JSON);
      });
      router.get("/audio").handler(ctx -> {
        upstreamCalls.incrementAndGet();
        ctx.response().putHeader("content-type", "audio/mpeg").end(Buffer.buffer(new byte[]{1, 2, 3, 4, 5, 6, 7, 8}));
      });
    });
    proxy = await(ChaosProxy.start(vx.get(), upstream.port()));
    http = vx.get().createHttpClient();
    context = vx.get().getOrCreateContext();
  }

  @AfterAll
  static void stop() {
    await(http.close());
    await(proxy.close());
    upstream.close();
  }

  @BeforeEach
  void heal() {
    proxy.heal();
    upstreamCalls.set(0);
  }

  /** GETs {@code path} through the proxy; {@code stopAfter} > 0 closes the connection once that many bytes arrived. */
  static Seen get(String path, int stopAfter) {
    Promise<Seen> seen = Promise.promise();
    Buffer body = Buffer.buffer();
    OnContext.start(context, () -> http.request(HttpMethod.GET, proxy.port(), "127.0.0.1", path).compose(req -> req.send())
        .onSuccess(res -> {
          res.handler(b -> {
            body.appendBuffer(b);
            if (stopAfter > 0 && body.length() >= stopAfter) {
              res.request().connection().close();
              seen.tryComplete(new Seen(res.statusCode(), res.getHeader("content-type"), body, null));
            }
          });
          res.exceptionHandler(t -> seen.tryComplete(new Seen(res.statusCode(), res.getHeader("content-type"), body, t)));
          res.endHandler(v -> seen.tryComplete(new Seen(res.statusCode(), res.getHeader("content-type"), body, null)));
        }))
      .onFailure(t -> seen.tryComplete(new Seen(0, null, body, t)));
    return await(seen.future());
  }

  static Seen get(String path) {
    return get(path, 0);
  }

  @Test
  void withoutAFaultTheAnswerPassesUntouched() {
    Seen s = get("/sse");
    assertEquals(200, s.status());
    assertEquals("text/event-stream", s.contentType());
    assertEquals(SSE, s.text());
    assertNull(s.failure());
    assertEquals(1, upstreamCalls.get());
  }

  @Test
  void aResetBeforeHeadersGivesNoStatusAtAll() {
    proxy.inject(Fault.resetBeforeHeaders());
    Seen s = get("/json");
    assertEquals(0, s.status());
    assertNotNull(s.failure());
    assertEquals(0, upstreamCalls.get(), "the upstream never saw it");
    assertEquals(1, proxy.faulted());
  }

  @Test
  void aResetAfterHeadersGivesTheStatusAndNoBody() {
    proxy.inject(Fault.resetAfterHeaders());
    Seen s = get("/sse");
    assertEquals(200, s.status());
    assertEquals("text/event-stream", s.contentType());
    assertEquals(0, s.body().length());
    assertNotNull(s.failure(), "the body broke off");
  }

  @Test
  void aResetMidBodyCutsAnEventStreamOnAnEventBoundary() {
    proxy.inject(Fault.resetMidBody());
    Seen s = get("/sse");
    assertEquals(200, s.status());
    assertEquals("data: {\"n\":1,\"text\":\"one\"}\n\ndata: {\"n\":2,\"text\":\"two\"}\n\n", s.text(), "two of four events");
    assertNotNull(s.failure());
  }

  @Test
  void aResetAfterTheFirstEventSendsOneEvent() {
    proxy.inject(Fault.resetAfterFirstEvent());
    Seen s = get("/sse");
    assertEquals("data: {\"n\":1,\"text\":\"one\"}\n\n", s.text());
    assertNotNull(s.failure());
  }

  @Test
  void aResetMidBodyCutsAnyOtherBodyInHalf() {
    proxy.inject(Fault.resetMidBody());
    Seen s = get("/audio");
    assertEquals(Buffer.buffer(new byte[]{1, 2, 3, 4}), s.body());
    assertNotNull(s.failure());
  }

  @Test
  void aStatusBurstIsTheGatewaysPageThenTheUpstreamAgain() {
    proxy.inject(Fault.status(503).times(2));
    for (int i = 0; i < 2; i++) {
      Seen s = get("/json");
      assertEquals(503, s.status());
      assertEquals("text/html", s.contentType());
      assertTrue(s.text().contains("503 Gateway Error"), s.text());
    }
    assertEquals(0, upstreamCalls.get());
    assertEquals(JSON, get("/json").text(), "the burst is over");
    assertEquals(2, proxy.faulted());
  }

  @Test
  void aScriptedReplyIsAnsweredInsteadOfTheUpstreamsForTheSelectedPathOnly() {
    proxy.inject(Fault.reply(Fault.Reply.json(429, "{\"error\":{\"message\":\"slow down\"}}").header("retry-after", "7"))
      .on("/json").times(1));
    assertEquals(SSE, get("/sse").text(), "another path passes");
    Seen s = get("/json");
    assertEquals(429, s.status());
    assertEquals("application/json", s.contentType());
    assertEquals("{\"error\":{\"message\":\"slow down\"}}", s.text());
    assertNull(s.failure());
    assertEquals(1, upstreamCalls.get(), "the upstream saw only the request that passed");
    assertEquals(JSON, get("/json").text(), "one reply, then the upstream again");
    assertEquals(1, proxy.faulted());
  }

  @Test
  void aSlowFirstByteHoldsTheStatusLine() {
    proxy.inject(Fault.slowFirstByte(300));
    long start = System.nanoTime();
    Seen s = get("/json");
    assertTrue(System.nanoTime() - start >= 300_000_000L, "held at least 300 ms");
    assertEquals(JSON, s.text());
  }

  @Test
  void aTrickleDeliversTheWholeBodyInPieces() {
    proxy.inject(Fault.trickle(7, 5));
    long start = System.nanoTime();
    Seen s = get("/sse");
    int pieces = (SSE.length() + 6) / 7;
    assertTrue(System.nanoTime() - start >= (pieces - 1) * 5_000_000L, "one piece of 7 bytes every 5 ms");
    assertEquals(SSE, s.text());
    assertNull(s.failure());
  }

  @Test
  void malformedJsonBreaksTheFirstEventOfAStreamAndCutsAWholeBody() {
    proxy.inject(Fault.malformedJson());
    Seen sse = get("/sse");
    List<Buffer> events = HeldAnswer.events(sse.body());
    assertEquals(4, events.size());
    String first = events.get(0).toString();
    String data = first.substring("data: ".length(), first.length() - 2);
    assertTrue("{\"n\":1,\"text\":\"one\"}".startsWith(data) && data.length() < 20 && !isJson(data), first);
    assertEquals("data: {\"n\":2,\"text\":\"two\"}\n\n", events.get(1).toString());
    Seen json = get("/json");
    assertEquals(JSON.substring(0, JSON.length() / 2), json.text());
    assertFalse(isJson(json.text()));
  }

  @Test
  void aWrongContentTypeIsAnHtmlPageWithStatus200() {
    proxy.inject(Fault.wrongContentType());
    Seen s = get("/json");
    assertEquals(200, s.status());
    assertEquals("text/html", s.contentType());
    assertTrue(s.text().startsWith("<html>"));
  }

  @Test
  void anEventStreamLosesItsLastEventAndEndsCleanly() {
    proxy.inject(Fault.withoutLastEvent());
    Seen s = get("/sse");
    assertEquals(SSE.replace("data: [DONE]\n\n", ""), s.text());
    assertNull(s.failure(), "a clean end");
  }

  @Test
  void aStreamThatNeverEndsKeepsSendingKeepAlives() {
    proxy.inject(Fault.neverEnds(10));
    String withoutDone = SSE.replace("data: [DONE]\n\n", "");
    String keepAlive = ": keep-alive\n\n";
    Seen s = get("/sse", withoutDone.length() + 3 * keepAlive.length());
    assertTrue(s.text().startsWith(withoutDone + keepAlive + keepAlive + keepAlive), s.text());
    assertNull(s.failure(), "still open when the client left");
    Seen json = get("/json", JSON.length() + 5);
    assertEquals(JSON.substring(0, JSON.length() - 1) + "      ", json.text().substring(0, JSON.length() + 5),
      "a JSON body without its last byte, then whitespace");
  }

  @Test
  void anAnswerThatNeverEndsIsOpenUntilTheClientClosesItsConnection() {
    proxy.inject(Fault.neverEnds(10));
    get("/sse", SSE.length() - "data: [DONE]\n\n".length());
    await(proxy.once(() -> proxy.open() == 0));
    assertEquals(0, proxy.open(), "the client closed its connection: nothing left open");
  }

  @Test
  void anOpenAnswerIsCounted() {
    proxy.inject(Fault.slowFirstByte(2_000));
    OnContext.start(context, () -> http.request(HttpMethod.GET, proxy.port(), "127.0.0.1", "/json").compose(req -> req.send()));
    await(proxy.once(() -> proxy.open() == 1));
    assertEquals(1, proxy.open(), "an answer held back is open");
    await(proxy.once(() -> proxy.open() == 0));
  }

  @Test
  void aFaultSelectsByPathAfterAndTimes() {
    proxy.inject(Fault.resetBeforeHeaders().on("/json").after(1).times(1));
    assertEquals(JSON, get("/json").text(), "the first is let through");
    assertEquals(SSE, get("/sse").text(), "another path is never selected");
    assertEquals(0, get("/json").status(), "the second is reset");
    assertEquals(JSON, get("/json").text(), "and the third passes");
    assertEquals(1, proxy.faulted());
  }

  private static boolean isJson(String text) {
    try {
      new JsonObject(text);
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }
}
