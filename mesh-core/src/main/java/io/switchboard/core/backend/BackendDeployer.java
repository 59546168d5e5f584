package io.switchboard.core.backend;

import io.switchboard.api.Addresses;
import io.switchboard.api.BackendDescriptor;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * Starts the configured backends: for each conf entry, the {@link BackendProvider} of its type builds the
 * backend and a {@link BackendVerticle} is deployed for it. A backend that cannot start (key not set, model
 * missing, engine not installed) is reported with its reason and the others go on.
 */
public final class BackendDeployer {

  private static final System.Logger LOG = System.getLogger(BackendDeployer.class.getName());

  /** What happened to one configured backend. */
  public record Outcome(String id, String type, boolean started, String reason, String deploymentId) {
    public JsonObject toJson() {
      return new JsonObject().put("id", id).put("type", type).put("started", started).put("reason", reason);
    }
  }

  private final Vertx vertx;
  private final Map<String, String> env;
  private final Map<String, BackendProvider> providers = new HashMap<>();

  public BackendDeployer(Vertx vertx, Map<String, String> env) {
    this.vertx = vertx;
    this.env = env;
    ServiceLoader.load(BackendProvider.class).forEach(p -> providers.put(p.type(), p));
  }

  /** Adds a provider by hand (tests, embedders). */
  public BackendDeployer register(BackendProvider provider) {
    providers.put(provider.type(), provider);
    return this;
  }

  /**
   * Deploys every entry of {@code backends} whose id is in {@code only} (all when {@code only} is empty).
   * {@code verticleConf} is handed to each {@link BackendVerticle} (heartbeat, queue, drain settings).
   */
  public Future<List<Outcome>> deployAll(JsonArray backends, Set<String> only, JsonObject verticleConf) {
    List<Future<Outcome>> all = new ArrayList<>();
    for (Object o : backends) {
      if (!(o instanceof JsonObject entry)) {
        continue;
      }
      BackendConfig conf = new BackendConfig(entry, env);
      if (!only.isEmpty() && !only.contains(conf.id())) {
        continue;
      }
      all.add(deploy(conf, verticleConf));
    }
    return Future.all(all).map(cf -> {
      List<Outcome> out = new ArrayList<>();
      for (int i = 0; i < cf.size(); i++) {
        out.add(cf.resultAt(i));
      }
      return out;
    });
  }

  /**
   * Deploys one backend; never fails: a backend that cannot start is an outcome with a reason, kept in the node's
   * {@link Addresses#BACKENDS_OFF_MAP} for the router to name.
   */
  public Future<Outcome> deploy(BackendConfig given, JsonObject verticleConf) {
    return attempt(given, verticleConf).onSuccess(o -> {
      LocalMap<String, String> off = vertx.sharedData().getLocalMap(Addresses.BACKENDS_OFF_MAP);
      if (o.started() || o.reason() == null) {
        off.remove(o.id());
      } else {
        off.put(o.id(), o.reason());
      }
    });
  }

  private Future<Outcome> attempt(BackendConfig given, JsonObject verticleConf) {
    // The provider gets its own copy of the entry: one that writes into it (Jlama routes max_queue to the verticle's
    // settings) must not change the node's conf, or the next scan of the unchanged files would see a change.
    BackendConfig conf = new BackendConfig(given.json().copy(), given.envMap());
    String id = conf.id();
    String type = conf.type();
    if (id == null || id.isBlank()) {
      return Future.succeededFuture(new Outcome("?", type, false, "backend entry without an 'id'", null));
    }
    if (BackendDescriptor.RESERVED_IDS.contains(id)) {
      return Future.succeededFuture(new Outcome(id, type, false, "backend id '" + id + "' is reserved (metrics and the console "
        + "label with it " + (BackendDescriptor.CACHE_LABEL.equals(id) ? "the answers of the exact cache" : "requests no backend took")
        + "): give this backend another id", null));
    }
    if (!conf.enabled()) {
      return Future.succeededFuture(new Outcome(id, type, false, "disabled in conf", null));
    }
    BackendProvider provider = providers.get(type);
    if (provider == null) {
      return Future.succeededFuture(new Outcome(id, type, false, "no adapter for type '" + type + "' in this process", null));
    }
    Backend backend;
    try {
      backend = provider.create(vertx, conf);
    } catch (BackendUnavailableException e) {
      return Future.succeededFuture(new Outcome(id, type, false, e.getMessage(), null));
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "backend " + id + " failed to build", e);
      return Future.succeededFuture(new Outcome(id, type, false, "invalid conf: " + e.getMessage(), null));
    }
    JsonObject vc = verticleConf.copy().mergeIn(conf.json().getJsonObject("verticle", new JsonObject()));
    return vertx.deployVerticle(new BackendVerticle(backend), new DeploymentOptions().setConfig(vc))
      .map(depId -> new Outcome(id, type, true, null, depId))
      .recover(err -> Future.succeededFuture(new Outcome(id, type, false, "failed to start: " + message(err), null)));
  }

  private static String message(Throwable t) {
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
