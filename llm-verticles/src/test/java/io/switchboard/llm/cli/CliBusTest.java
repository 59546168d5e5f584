package io.switchboard.llm.cli;

import io.switchboard.core.testkit.BusPull;
import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.Drain;
/*
 * The CLI adapter found through the BackendProvider ServiceLoader file and deployed by BackendDeployer as a
 * BackendVerticle: `cat` answers a whole chat and a stream pulled with BusStreams.next until BusStreams.isEnd; a
 * failing command arrives as a failed reply (502). Also checks that all three adapters of this package group
 * (anthropic, runpod-serverless, cli) are registered in META-INF/services.
 */

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendDeployer;
import io.switchboard.core.backend.BackendProvider;
import io.switchboard.core.backend.BackendVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

import static io.switchboard.core.testkit.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CliBusTest {

  private static final Map<String, String> ENV = Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "HOME", "/tmp");

  private Vertx vertx;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    BackendDeployer deployer = new BackendDeployer(vertx, ENV);
    JsonObject verticle = new JsonObject().put("heartbeat_ms", 60_000);
    for (JsonObject conf : new JsonObject[] {
      new JsonObject().put("id", "cat").put("type", "cli").put("prompt_format", "last_user").put("command", new JsonArray().add("cat")),
      new JsonObject().put("id", "false").put("type", "cli").put("command", new JsonArray().add("false"))}) {
      BackendDeployer.Outcome outcome = await(deployer.deploy(new BackendConfig(conf, ENV), verticle));
      assertTrue(outcome.started(), outcome.reason());
    }
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  private static JsonObject body(String text, boolean stream) {
    return new JsonObject().put("model", "local").put("stream", stream)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text)));
  }

  private static DeliveryOptions options() {
    return BackendVerticle.requestOptions(Headers.OP_CHAT, "req-bus", null, System.currentTimeMillis() + 20_000);
  }

  @Test
  void providersAreRegisteredForTheServiceLoader() {
    Set<String> types = new HashSet<>();
    ServiceLoader.load(BackendProvider.class).forEach(p -> types.add(p.type()));
    assertTrue(types.containsAll(Set.of("anthropic", "runpod-serverless", "cli")), types.toString());
  }

  @Test
  void wholeAnswerOverTheBus() throws Exception {
    Message<Object> reply = await(vertx.eventBus().request(Addresses.backend("cat"), body("echo $(me)", false), options()));
    assertEquals("echo $(me)", ((JsonObject) reply.body()).getJsonArray("choices").getJsonObject(0)
      .getJsonObject("message").getString("content"));
  }

  @Test
  void streamPulledOverTheBus() {
    String text = "line one\nline two\n".repeat(200);
    BusPull.Pulled p = BusPull.pull(vertx, Addresses.backend("cat"), body(text, true), options());
    assertEquals(text, p.text());
    assertTrue(p.usage().getLong("completion_tokens") > 0);
  }

  @Test
  void failingCommandArrivesAsAFailedReply() {
    ReplyException reply = Await.failure(vertx.eventBus().request(Addresses.backend("false"), body("x", false), options()),
      ReplyException.class);
    assertEquals(502, reply.failureCode());
    assertEquals(ErrorCode.UPSTREAM, MeshException.from(reply).errorCode());
    assertEquals("false exited with status 1", reply.getMessage());
  }
}
