package io.switchboard.llm.cli;

import io.switchboard.api.Capability;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.TypedProvider;

/**
 * Builds {@link CliBackend}s from conf entries of type {@code cli}. Privacy defaults to {@code local}; a CLI that
 * calls a cloud model itself must be declared {@code privacy: cloud} in conf, since the mesh cannot see where it
 * sends the prompt. Concurrency defaults to 2: each request is a process.
 */
public final class CliProvider extends TypedProvider {

  public static final String TYPE = "cli";

  public CliProvider() {
    super(TYPE, Capability.CHAT, Privacy.LOCAL, 2,
      (vertx, conf, descriptor) -> new CliBackend(vertx, CliSettings.from(conf, descriptor.concurrency()), descriptor));
  }
}
