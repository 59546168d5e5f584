package io.switchboard.app.http;

import io.switchboard.core.testkit.TestVertx;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.Socket;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code POST /v1/chat/completions} with {@code "stream": true} whose client reads the response head, stops reading
 * and goes away while the stream is backed up: the real OpenAI-compatible adapter must drop its upstream call at once,
 * not when a credit or idle timeout (60 s here, every one of them) finally notices. The fake streams far more than
 * the buffers between it and a client that does not read can hold, waiting for the adapter whenever it stops reading.
 */
class ChatClientGoneHttpTest {

  /** Every timeout that would also end the held stream: well above the wait below, so only the cancel can pass it. */
  static final int LONG_MS = 60_000;
  /** How long the upstream call may stay open after the client left: far below {@link #LONG_MS}. */
  static final int CANCEL_WAIT_S = 15;

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  static final Vertx vertx = vx.get();
  /**
   * The fake upstream's own Vert.x, as a real provider is another process: scripting 128 MiB of answer takes its event
   * loop a while, which on the mesh's (a loaded machine) could stall the backend's heartbeat into a 503.
   */
  @RegisterExtension
  static final TestVertx upstreamVx = new TestVertx();
  static FakeOpenAiServer fake;
  static HttpTestNode node;

  @BeforeAll
  static void start() throws Exception {
    fake = FakeOpenAiServer.start(upstreamVx.get()).await(10, TimeUnit.SECONDS);
    JsonObject timeouts = new JsonObject().put("connect_ms", 2000).put("first_byte_ms", 10_000).put("idle_ms", LONG_MS);
    JsonArray backends = new JsonArray()
      .add(new JsonObject().put("id", "fake-openai").put("type", "openai-compatible").put("base_url", fake.baseUrl())
        .put("api_key_env", "FAKE_KEY").put("capabilities", new JsonArray().add("chat")).put("models", new JsonArray().add("gpt-4o-mini"))
        .put("timeouts", timeouts).put("verticle", new JsonObject().put("credit_timeout_ms", LONG_MS)));
    node = HttpTestNode.start(vertx, backends, new JsonObject().put("stream_idle_timeout_ms", LONG_MS),
      Map.of("FAKE_KEY", "sk-fake-chat-0123456789"));
  }

  @AfterAll
  static void stop() throws Exception {
    fake.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aChatClientThatLeavesWhileTheStreamIsBackedUpCancelsTheUpstreamCall() throws Exception {
    // 128 MiB of text in 4 KiB pieces: far more than the buffers on the way hold (a socket's receive buffer alone may
    // grow to tcp_rmem's maximum), so the stream backs up to the fake.
    fake.setDefault(Behaviour.reply("x".repeat(128 * 1024 * 1024)).chunks(32 * 1024));
    JsonObject request = new JsonObject().put("model", "gpt-4o-mini").put("stream", true)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "Say a lot.")));
    try (Socket client = requestAndReadHead(request)) {
      fake.once(() -> fake.backPressureCount() > 0).await(60, TimeUnit.SECONDS);
    }
    try {
      fake.once(() -> fake.abortedCount() > 0).await(CANCEL_WAIT_S, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      fail("the client left " + CANCEL_WAIT_S + " s ago, but the chat upstream call is still open: the stream was not "
        + "cancelled (it would end only at a " + LONG_MS + " ms timeout); the fake waited " + fake.backPressureCount()
        + " times for the adapter to read");
    }
    assertEquals(1, fake.requestCount());
  }

  /** Sends {@code body} as a streamed chat request and reads the 200 response's head, not a byte more ({@link RawHttp#sendAndReadHead}). */
  private static Socket requestAndReadHead(JsonObject body) throws Exception {
    byte[] request = RawHttp.request("POST", "/v1/chat/completions",
      Map.of("content-type", "application/json", "x-switchboard-provider", "fake-openai"), body.toBuffer());
    return RawHttp.sendAndReadHead(node.port, request);
  }
}
