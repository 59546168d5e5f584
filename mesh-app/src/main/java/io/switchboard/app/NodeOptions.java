package io.switchboard.app;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How to start one node.
 *
 * @param role      {@code all} (router, web, backends and voice calls), {@code router} (router and web only),
 *                  {@code backend} (backends only) or {@code voice} (voice calls only, on their own HTTP port; every
 *                  stage of a call goes over the bus to routers elsewhere)
 * @param backends  ids of the backends to start; empty = every backend in conf
 * @param cluster   join the Hazelcast cluster of {@code cluster.xml}
 * @param confDir   folder holding {@code switchboard.yaml} (and {@code cluster.xml} beside it, one level up)
 * @param operatorConf an operator's YAML over the defaults, or null
 * @param env       the environment secrets and overrides are read from
 * @param metrics   expose Prometheus metrics
 */
public record NodeOptions(String role, Set<String> backends, boolean cluster, Path confDir, Path operatorConf,
                          Map<String, String> env, boolean metrics) {

  public static final List<String> ROLES = List.of("all", "router", "backend", "voice");

  public NodeOptions {
    if (!ROLES.contains(role)) {
      throw new IllegalArgumentException("unknown role '" + role + "' (all, router, backend, voice)");
    }
    backends = Set.copyOf(backends);
    env = Map.copyOf(env);
  }

  public boolean runsRouter() {
    return role.equals("all") || role.equals("router");
  }

  public boolean runsBackends() {
    return role.equals("all") || role.equals("backend");
  }

  /** Serves voice calls: on the API's port ({@code all}) or on its own ({@code voice}). */
  public boolean runsVoice() {
    return role.equals("all") || role.equals("voice");
  }
}
