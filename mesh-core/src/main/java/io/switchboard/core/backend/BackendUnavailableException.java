package io.switchboard.core.backend;

/** Thrown by a {@link BackendProvider} when a configured backend cannot start here; the message says why (never a secret). */
public class BackendUnavailableException extends RuntimeException {

  public BackendUnavailableException(String reason) {
    super(reason, null, false, false);
  }
}
