package io.switchboard.router.registry;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.Health;
import io.switchboard.api.Privacy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The live view, on a clock the test moves. */
class BackendRegistryTest {

  private final AtomicLong now = new AtomicLong(10_000);
  private final BackendRegistry registry = new BackendRegistry(4_000, now::get);

  private static BackendDescriptor instance(String id, String instance, Health health, boolean leaving) {
    return new BackendDescriptor(id, instance, "test", Set.of(Capability.CHAT), List.of("m"), Map.of(), Privacy.CLOUD, 10,
      Map.of(), 8, health, leaving);
  }

  @Test
  void silentInstancesAreDroppedAfterTheTimeoutAndLeavingOnesAtOnce() {
    registry.announce(instance("a", "a@1", Health.UP, false));
    registry.announce(instance("a", "a@2", Health.UP, false));
    registry.sweep();
    assertEquals(List.of("a@1", "a@2"), registry.get("a").instanceIds());

    now.addAndGet(1_000);
    registry.announce(instance("a", "a@2", Health.UP, false));
    registry.announce(instance("a", "a@2", Health.UP, true));             // a@2 leaves
    assertEquals(List.of("a@1"), registry.get("a").instanceIds());
    now.set(12_000);
    registry.sweep();
    now.set(13_000);
    registry.sweep();

    // a@1 was last heard at 10 000; sweeps run on time every second from here (11 000).
    now.set(14_000);
    assertEquals(List.of(), registry.sweep(), "silent for exactly the timeout: still live");
    now.set(15_000);
    assertEquals(List.of("a@1"), registry.sweep(), "silent for longer than the timeout: dropped");
    assertTrue(registry.live().isEmpty());
  }

  @Test
  void aStallOfTheRouterItselfIsNotCountedAgainstTheBackends() {
    registry.announce(instance("a", "a@1", Health.UP, false));
    registry.sweep();
    // The router's event loop stalls for 6 s: no sweep runs and the heartbeats that arrived wait in its queue.
    now.addAndGet(6_000);
    assertEquals(List.of(), registry.sweep(), "the stall is the router's, not the backend's");
    registry.announce(instance("a", "a@1", Health.UP, false));           // the queued heartbeat is handled
    assertEquals(List.of("a@1"), registry.get("a").instanceIds());
  }

  @Test
  void downInstancesAreNotOfferedButKeepTheBackendKnown() {
    registry.announce(instance("a", "a@1", Health.down("model missing"), false));
    registry.announce(instance("a", "a@2", Health.UP, false));
    assertEquals(List.of("a@2"), registry.get("a").instanceIds());
    assertEquals(Health.Status.UP, registry.get("a").health().status(), "the best instance's health stands for the backend");
  }
}
