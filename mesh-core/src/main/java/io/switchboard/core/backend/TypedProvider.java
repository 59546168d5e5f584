package io.switchboard.core.backend;

/**
 * A {@link BackendProvider} for one fixed conf {@code type}: it holds the type, so that a provider says it once, in
 * its constructor, and its body is only how it builds the backend.
 */
public abstract class TypedProvider implements BackendProvider {

  private final String type;

  protected TypedProvider(String type) {
    this.type = type;
  }

  @Override
  public final String type() {
    return type;
  }
}
