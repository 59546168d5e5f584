package io.switchboard.router.reload;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The settings a hot reload cannot apply, because they are read once when the node starts: everything outside
 * {@code router}, {@code backends} and {@code backend_defaults} ({@code http}, {@code auth}, {@code usage},
 * {@code reload}, ...), and the router's own start-time settings (the heartbeat, stream-idle and probe timeouts, the
 * passive-statistics and rate-window sizes, the drain time). A change to one of them is reported as needing a restart,
 * by path only: a value may be a secret (a database URL with its password).
 */
final class RestartOnly {

  /** Sections a reload applies. */
  private static final Set<String> HOT_SECTIONS = Set.of("router", "backends", "backend_defaults");
  /** Router settings its collaborators read once, when the router starts. */
  private static final Set<String> COLD_ROUTER_KEYS = Set.of("heartbeat_timeout_ms", "stream_idle_timeout_ms", "health_timeout_ms",
    "passive", "limits", "drain_timeout_ms");

  private RestartOnly() {
  }

  /** The dotted paths (e.g. {@code auth.require_keys}) of start-time settings that differ between two confs, sorted. */
  static List<String> changed(JsonObject previous, JsonObject next) {
    Map<String, Object> before = new TreeMap<>();
    Map<String, Object> after = new TreeMap<>();
    flatten("", previous, before);
    flatten("", next, after);
    Set<String> paths = new java.util.TreeSet<>(before.keySet());
    paths.addAll(after.keySet());
    List<String> out = new ArrayList<>();
    for (String path : paths) {
      if (!Objects.equals(before.get(path), after.get(path)) && needsRestart(path)) {
        out.add(path);
      }
    }
    return out;
  }

  private static boolean needsRestart(String path) {
    String[] parts = path.split("\\.", 3);
    if (!HOT_SECTIONS.contains(parts[0])) {
      return true;
    }
    return parts[0].equals("router") && parts.length > 1 && COLD_ROUTER_KEYS.contains(parts[1]);
  }

  /** Leaves of {@code json} by dotted path; arrays are leaves (compared whole). */
  private static void flatten(String prefix, JsonObject json, Map<String, Object> out) {
    json.forEach(e -> {
      String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (e.getValue() instanceof JsonObject inner && !inner.isEmpty()) {
        flatten(path, inner, out);
      } else {
        out.put(path, e.getValue());
      }
    });
  }
}
