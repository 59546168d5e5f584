package io.switchboard.router.admin;

import io.switchboard.router.limits.Limits;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;

/**
 * The operator's run-time changes, as this router holds them: an override per backend and the strategy settings
 * changed through {@code PUT /api/v1/strategy}. Every router of the cluster holds the same, kept in step by the
 * updates published on {@link io.switchboard.api.Addresses#ROUTER_ADMIN_UPDATES}. Owned by the router's event loop.
 */
public final class AdminState {

  private final Map<String, ProviderOverride> providers = new HashMap<>();
  private JsonObject strategy = new JsonObject();

  public ProviderOverride provider(String id) {
    return providers.getOrDefault(id, ProviderOverride.NONE);
  }

  public void setProvider(String id, ProviderOverride o) {
    if (o.equals(ProviderOverride.NONE)) {
      providers.remove(id);
    } else {
      providers.put(id, o);
    }
  }

  public boolean enabled(String id) {
    ProviderOverride o = providers.get(id);
    return o == null || o.enabled() == null || o.enabled();
  }

  public int priority(String id, int configured) {
    ProviderOverride o = providers.get(id);
    return o == null || o.priority() == null ? configured : o.priority();
  }

  /** The operator's limits for the backend, or {@code configured} when none were set. */
  public Limits limits(String id, Limits configured) {
    ProviderOverride o = providers.get(id);
    return o == null || o.limits() == null ? configured : o.limits();
  }

  /** Strategy settings changed at run time, laid over conf's {@code router} section. */
  public JsonObject strategy() {
    return strategy;
  }

  public void setStrategy(JsonObject json) {
    strategy = json == null ? new JsonObject() : json.copy();
  }
}
