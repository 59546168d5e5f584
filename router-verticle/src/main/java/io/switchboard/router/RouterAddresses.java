package io.switchboard.router;

import io.switchboard.router.health.Breakers;

/**
 * Bus addresses of the router beyond the contract's entry points (candidates for {@code mesh-api}'s
 * {@code Addresses} when it next changes).
 */
public final class RouterAddresses {

  /** Breaker transitions of every router: {@code {"backend","state","failures","router","time"}} (published). */
  public static final String BREAKER = Breakers.ADDRESS;
  /** Request/reply, local to a node: the web verticle's admin operations ({@code {"op": ...}}) on its router. */
  public static final String ADMIN = "switchboard.router.admin";
  /** Published to every router of the cluster: one operator change ({@code provider} or {@code strategy}). */
  public static final String ADMIN_UPDATES = "switchboard.router.admin.updates";
  /** Request/reply, local to a node: a new conf for the router (hot reload); fails naming the bad key. */
  public static final String RELOAD = "switchboard.router.reload";
  /** Cluster-wide map of operator changes, read by a router when it starts so that it joins in step. */
  public static final String ADMIN_MAP = "switchboard.admin";

  private RouterAddresses() {
  }
}
