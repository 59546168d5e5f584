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
    assertEquals(5_000, registry.silenceOf("a@1"), "how long it had been silent, for the log");
    assertEquals(0, registry.lastStallMs(), "the sweeps ran on time");
  }

  /** A drop's account: silence at most the timeout, one sweep interval and the router's own lateness over two sweeps. */
  @Test
  void aDropSaysHowLongTheInstanceWasSilentAndHowLateTheRouterWas() {
    registry.announce(instance("a", "a@1", Health.UP, false));          // heard at 10 000
    registry.sweep();                                                    // 10 000
    now.set(11_000 + 700);                                               // 700 ms late
    assertEquals(List.of(), registry.sweep());
    now.set(12_700 + 1_500);                                             // 1 500 ms late
    assertEquals(List.of(), registry.sweep());
    now.set(15_200 + 300);                                               // 300 ms late: 5 500 silent > 4 000 + 300
    assertEquals(List.of("a@1"), registry.sweep());
    assertEquals(5_500, registry.silenceOf("a@1"));
    assertEquals(1_800, registry.lastStallMs(), "this sweep's and the previous one's lateness");
    assertTrue(registry.silenceOf("a@1") <= registry.timeoutMs() + registry.sweepIntervalMs() + registry.lastStallMs());
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

  @Test
  void everyInstanceIsListedForOperatorsWithItsHealthAndLastHeartbeat() {
    registry.announce(instance("a", "a@2", Health.UP, false));
    now.addAndGet(1500);
    registry.announce(instance("a", "a@1", Health.down("model missing"), false));
    now.addAndGet(500);
    assertEquals(List.of(new BackendRegistry.InstanceView("a@1", Health.down("model missing"), 500),
      new BackendRegistry.InstanceView("a@2", Health.UP, 2000)), registry.instances("a"), "the DOWN one too, by id");
    assertEquals(List.of(), registry.instances("nobody"));
  }
}
