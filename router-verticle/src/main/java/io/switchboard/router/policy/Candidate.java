package io.switchboard.router.policy;

import io.switchboard.api.BackendDescriptor;

/**
 * A backend the router may send a request to, with the model it would run there, the estimated cost of the
 * request there, and the priority it was ordered by.
 */
public record Candidate(BackendDescriptor backend, String model, double estimatedCostUsd, int priority) {

  public Candidate(BackendDescriptor backend, String model) {
    this(backend, model, 0, backend.priority());
  }

  public String id() {
    return backend.id();
  }
}
