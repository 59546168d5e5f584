package io.switchboard.router.health;

import io.switchboard.router.registry.BackendRegistry;
import io.vertx.core.Vertx;

import java.util.List;

/**
 * Runs the active health checks on a timer: every interval, each live backend is probed ({@link HealthProber}) and
 * the probes of backends no longer live are forgotten. A reload with a new interval restarts the timer.
 */
public final class ProbeSchedule {

  private final Vertx vertx;
  private final BackendRegistry registry;
  private final HealthProber prober;
  private long timer = -1;

  public ProbeSchedule(Vertx vertx, BackendRegistry registry, HealthProber prober) {
    this.vertx = vertx;
    this.registry = registry;
    this.prober = prober;
  }

  /** Probes every {@code intervalMs} from now on, instead of the interval set before. */
  public void every(long intervalMs) {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    timer = vertx.setPeriodic(intervalMs, t -> {
      List<String> ids = registry.live().stream().map(BackendRegistry.LiveBackend::id).toList();
      prober.retain(ids);
      prober.probeAll(ids);
    });
  }
}
