package io.switchboard.core.backend;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.Privacy;
import io.vertx.core.Vertx;

import java.util.Set;
import java.util.function.BiFunction;

/**
 * A {@link BackendProvider} for one fixed conf {@code type}: it holds the type, so that a provider says it once, in
 * its constructor. Most providers also give there what their backends are unless the conf says otherwise (the
 * capability, the privacy class, the concurrency) and how to build one from its conf entry and the descriptor made
 * with those defaults; a provider that builds its descriptor itself overrides {@link #create}.
 */
public abstract class TypedProvider implements BackendProvider {

  /** Builds a backend from its conf entry and its descriptor ({@link BackendConfig#descriptor}). */
  @FunctionalInterface
  protected interface Factory {
    Backend create(Vertx vertx, BackendConfig conf, BackendDescriptor descriptor);
  }

  private final String type;
  /** How a backend is built; null for a provider that overrides {@link #create}. */
  private final BiFunction<Vertx, BackendConfig, Backend> build;

  /** For a provider that overrides {@link #create}. */
  protected TypedProvider(String type) {
    this.type = type;
    this.build = null;
  }

  /**
   * @param capability  what its backends serve
   * @param privacy     their privacy class unless the conf entry gives one
   * @param concurrency their concurrency unless the conf entry gives one
   */
  protected TypedProvider(String type, Capability capability, Privacy privacy, int concurrency, Factory factory) {
    this.type = type;
    this.build = (vertx, conf) -> factory.create(vertx, conf, conf.descriptor(type, Set.of(capability), privacy, concurrency));
  }

  @Override
  public final String type() {
    return type;
  }

  @Override
  public Backend create(Vertx vertx, BackendConfig conf) {
    return build.apply(vertx, conf);
  }
}
