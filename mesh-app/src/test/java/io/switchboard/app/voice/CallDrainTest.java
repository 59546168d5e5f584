package io.switchboard.app.voice;

import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.switchboard.app.voice.ChatUpstream.chats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node stopping (SIGTERM) with calls open: it turns not-ready and refuses new calls with 503 and Retry-After
 * before the upgrade, keeps the open calls (their stages still served) until they end, then stops; a call still open
 * when {@code voice.drain_timeout_ms} runs out is ended with 1001.
 */
class CallDrainTest extends CallFixture {

  private FakeOpenAiServer chat;
  private final ByteArrayOutputStream stopLog = new ByteArrayOutputStream();

  @BeforeEach
  void start() throws Exception {
    chat = chatUpstream();
  }

  private VoiceNode node(long drainMs) throws Exception {
    return cascade(chat, new JsonObject().put("drain_timeout_ms", drainMs));
  }

  @Test
  void openCallsGoOnWhileNewOnesAreRefused() throws Exception {
    VoiceNode node = node(60_000);
    chat.setDefault(Behaviour.reply("Still here."));
    TwilioCaller caller = TwilioCaller.connect(client, node.port, new JsonObject()).await(10, TimeUnit.SECONDS);
    Thread.sleep(300);

    Future<Void> stopped = node.started.lifecycle().stop(new PrintStream(stopLog, true, StandardCharsets.UTF_8));
    Await.until("readiness false", () -> status(node.port, "/health/ready") == 503);
    String refusal = rawUpgrade(node.port);
    assertTrue(refusal.startsWith("HTTP/1.1 503"), refusal);
    assertTrue(refusal.toLowerCase().contains("retry-after: 1"), refusal);
    assertTrue(refusal.contains("shutting down"), refusal);

    caller.say(Speech.at8k(Speech.FIRST));
    Await.until("the open call's turn, served while draining", () -> chats(chat).size() == 1);
    Await.until("its answer", () -> caller.frames().size() > 20);
    assertFalse(stopped.isComplete(), "the node waits for the call");
    caller.hangUp();
    stopped.await(30, TimeUnit.SECONDS);
    assertTrue(stopLog.toString(StandardCharsets.UTF_8).contains("no new calls; open calls get up to 60000 ms"), stopLog.toString());
  }

  @Test
  void callsStillOpenWhenTheDrainRunsOutAreEnded() throws Exception {
    VoiceNode node = node(1500);
    TwilioCaller caller = TwilioCaller.connect(client, node.port, new JsonObject()).await(10, TimeUnit.SECONDS);
    Thread.sleep(300);
    long t0 = System.currentTimeMillis();
    Future<Void> stopped = node.started.lifecycle().stop(new PrintStream(stopLog, true, StandardCharsets.UTF_8));
    assertEquals((short) 1001, caller.closed().await(10, TimeUnit.SECONDS));
    assertTrue(System.currentTimeMillis() - t0 >= 1400, "the call had its drain time");
    assertEquals("server shutting down", caller.closeReason());
    Await.until("the call's record, sent before the node stopped", () -> !node.callRecords().isEmpty());
    assertEquals("server shutting down", node.callRecords().get(0).getJsonObject("call").getString("end_reason"));
    stopped.await(30, TimeUnit.SECONDS);
    assertEquals(1, node.callRecords().size(), "one record: the socket closing after the node ended the call ends nothing more");
  }

  private static int status(int port, String path) {
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build();
      return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(request, HttpResponse.BodyHandlers.discarding())
        .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** A WebSocket upgrade request written by hand, to read the refusal's status and headers. */
  private static String rawUpgrade(int port) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.getOutputStream().write(("GET /v1/voice/twilio HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      s.setSoTimeout(5000);
      InputStream in = s.getInputStream();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[4096];
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
        if (out.toString(StandardCharsets.US_ASCII).contains("}")) {
          break;
        }
      }
      return out.toString(StandardCharsets.UTF_8);
    }
  }
}
