package io.switchboard.llm.cli;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.Backend;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.TypedProvider;
import io.vertx.core.Vertx;

import java.util.Set;

/**
 * Builds {@link CliBackend}s from conf entries of type {@code cli}. Privacy defaults to {@code local}; a CLI that
 * calls a cloud model itself must be declared {@code privacy: cloud} in conf, since the mesh cannot see where it
 * sends the prompt. Concurrency defaults to 2: each request is a process.
 */
public final class CliProvider extends TypedProvider {

  public static final String TYPE = "cli";

  public CliProvider() {
    super(TYPE);
  }

  @Override
  public Backend create(Vertx vertx, BackendConfig config) {
    BackendDescriptor descriptor = config.descriptor(TYPE, Set.of(Capability.CHAT), Privacy.LOCAL, 2);
    return new CliBackend(vertx, CliSettings.from(config, descriptor.concurrency()), descriptor);
  }
}
