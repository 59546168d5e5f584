package io.switchboard.core.models;

/** A model could not be installed; the message tells the operator what to do about it. */
public final class ModelInstallException extends RuntimeException {

  public ModelInstallException(String message) {
    super(message, null, false, false);
  }
}
