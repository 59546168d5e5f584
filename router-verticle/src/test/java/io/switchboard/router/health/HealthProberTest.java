package io.switchboard.router.health;

import io.switchboard.api.Addresses;
import io.switchboard.api.Health;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A backend with one instance that never answers (killed, its subscription not yet dropped by the cluster) and one
 * that is well: the bus hands each probe to one of them in turn, and no probe may find the backend down for it.
 */
@ExtendWith(VertxExtension.class)
class HealthProberTest {

  @Test
  void aSilentInstanceDoesNotMakeTheBackendDown(Vertx vertx) throws Exception {
    vertx.eventBus().consumer(Addresses.backend("b"), m -> { }).completion().await(5, TimeUnit.SECONDS);
    vertx.eventBus().consumer(Addresses.backend("b"), m -> m.reply(Health.UP.toJson())).completion().await(5, TimeUnit.SECONDS);
    HealthProber prober = new HealthProber(vertx, System::currentTimeMillis, 300, 10_000);
    for (int i = 0; i < 4; i++) {
      HealthProber.Probe p = prober.probe("b").await(5, TimeUnit.SECONDS);
      assertEquals(Health.Status.UP, p.health().status(), "probe " + i + ": " + p.toJson());
    }
  }

  @Test
  void noAnswerFromAnyInstanceIsDown(Vertx vertx) throws Exception {
    vertx.eventBus().consumer(Addresses.backend("b"), m -> { }).completion().await(5, TimeUnit.SECONDS);
    HealthProber prober = new HealthProber(vertx, System::currentTimeMillis, 200, 10_000);
    HealthProber.Probe p = prober.probe("b").await(5, TimeUnit.SECONDS);
    assertEquals(Health.Status.DOWN, p.health().status(), p.toJson().encode());
  }
}
