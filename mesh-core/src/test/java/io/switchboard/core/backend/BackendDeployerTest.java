package io.switchboard.core.backend;

import io.switchboard.api.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static io.switchboard.core.testkit.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the deployer refuses before any adapter is built, and how the node learns why. */
@ExtendWith(VertxExtension.class)
class BackendDeployerTest {

  /** A backend named like a metrics label would have its series merged with the cache's or with "no backend". */
  @ParameterizedTest
  @ValueSource(strings = {"cache", "none"})
  void aReservedIdIsRefusedWithTheReasonKeptForTheRouter(String id, Vertx vertx) {
    BackendDeployer deployer = new BackendDeployer(vertx, Map.of());
    BackendDeployer.Outcome outcome = await(deployer.deploy(
      new BackendConfig(new JsonObject().put("id", id).put("type", "openai-compatible"), Map.of()), new JsonObject()));
    assertFalse(outcome.started());
    assertTrue(outcome.reason().contains("'" + id + "' is reserved"), outcome.reason());
    assertEquals(outcome.reason(), vertx.sharedData().getLocalMap(Addresses.BACKENDS_OFF_MAP).get(id));
  }

  @ParameterizedTest
  @ValueSource(strings = {"cached", "none-2", "Cache"})
  void anIdThatOnlyLooksLikeOneIsNotReserved(String id, Vertx vertx) {
    BackendDeployer.Outcome outcome = await(new BackendDeployer(vertx, Map.of()).deploy(
      new BackendConfig(new JsonObject().put("id", id).put("type", "no-such-type"), Map.of()), new JsonObject()));
    assertFalse(outcome.started());
    assertEquals("no adapter for type 'no-such-type' in this process", outcome.reason());
  }
}
