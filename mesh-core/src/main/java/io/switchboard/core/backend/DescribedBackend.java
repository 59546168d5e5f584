package io.switchboard.core.backend;

import io.switchboard.api.BackendDescriptor;

/**
 * A {@link Backend} whose descriptor is fixed when it is built: it holds the descriptor, so that an adapter says it
 * once, in its constructor, and its body is only how it serves its capability (as {@link TypedProvider} holds a
 * provider's type).
 */
public abstract class DescribedBackend implements Backend {

  private final BackendDescriptor descriptor;

  protected DescribedBackend(BackendDescriptor descriptor) {
    this.descriptor = descriptor;
  }

  @Override
  public final BackendDescriptor descriptor() {
    return descriptor;
  }
}
