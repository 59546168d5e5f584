package io.switchboard.router.policy;

import io.switchboard.api.BackendDescriptor;

/** A backend the router may send a request to, with the model it would run there. */
public record Candidate(BackendDescriptor backend, String model) {
  public String id() {
    return backend.id();
  }
}
