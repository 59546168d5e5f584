package io.switchboard.app;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How to start one node.
 *
 * @param role      {@code all} (router, web and backends), {@code router} (router and web only) or {@code backend}
 * @param backends  ids of the backends to start; empty = every backend in conf
 * @param cluster   join the Hazelcast cluster of {@code cluster.xml}
 * @param confDir   folder holding {@code switchboard.yaml} (and {@code cluster.xml} beside it, one level up)
 * @param operatorConf an operator's YAML over the defaults, or null
 * @param env       the environment secrets and overrides are read from
 * @param metrics   expose Prometheus metrics
 */
public record NodeOptions(String role, Set<String> backends, boolean cluster, Path confDir, Path operatorConf,
                          Map<String, String> env, boolean metrics) {

  public static final List<String> ROLES = List.of("all", "router", "backend");

  public NodeOptions {
    if (!ROLES.contains(role)) {
      throw new IllegalArgumentException("unknown role '" + role + "' (all, router, backend)");
    }
    backends = Set.copyOf(backends);
    env = Map.copyOf(env);
  }

  public boolean runsRouter() {
    return !role.equals("backend");
  }

  public boolean runsBackends() {
    return !role.equals("router");
  }
}
