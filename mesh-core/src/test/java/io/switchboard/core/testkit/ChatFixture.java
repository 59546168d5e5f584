package io.switchboard.core.testkit;

import io.switchboard.api.ChatRequest;
import io.switchboard.api.MeshException;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendProvider;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.ChatBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.Map;

import static io.switchboard.core.testkit.Await.await;

/**
 * Chat adapters under test, built from conf by their provider as the deployer builds them, stopped after each test
 * ({@link TestVertx#forTest}), and called as the backend verticle calls them: on a Vert.x context, streams read to
 * their end. Backends of {@code provider} from {@code conf}, their key {@code key} in the variable {@code keyEnv}.
 */
public record ChatFixture<B extends ChatBackend>(TestVertx vx, BackendProvider provider, JsonObject conf, String keyEnv,
    String key) {

  public Vertx vertx() {
    return vx.get();
  }

  /** A backend with {@code overrides} merged into the conf entry. */
  public B backend(JsonObject overrides) {
    return backend(overrides, key);
  }

  /** A backend with {@code overrides} merged into the conf entry and another key. */
  public B backend(JsonObject overrides, String otherKey) {
    return vx.backend(provider, conf.copy().mergeIn(overrides, true), Map.of(keyEnv, otherKey));
  }

  /** A backend with {@code overrides} merged into the conf entry, behind a backend verticle for the test. */
  @SuppressWarnings("unchecked")
  public B deployed(JsonObject overrides) {
    B b = (B) provider.create(vx.get(), new BackendConfig(conf.copy().mergeIn(overrides, true), Map.of(keyEnv, key)));
    vx.deploy(b);
    return b;
  }

  /** A whole answer, called on a context; not waited for. */
  public Future<JsonObject> call(B b, ChatRequest r, CallContext c) {
    return OnContext.start(vx.get(), () -> b.chat(r, c));
  }

  /** A whole answer, called on a context. */
  public JsonObject chat(B b, ChatRequest r, CallContext c) {
    return await(call(b, r, c));
  }

  /** The failure of a whole answer, called on a context. */
  public MeshException chatFails(B b, ChatRequest r, CallContext c) {
    return Await.failure(call(b, r, c));
  }

  /** A stream, read to its end on a context. */
  public Drain.Drained stream(B b, ChatRequest r, CallContext c) {
    return await(Drain.stream(vx.get(), () -> b.chatStream(r, c)));
  }
}
