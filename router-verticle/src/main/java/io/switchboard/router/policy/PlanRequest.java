package io.switchboard.router.policy;

import io.switchboard.api.Capability;
import io.switchboard.api.Privacy;
import io.switchboard.api.RouteHints;

/**
 * What the policy needs to know of one request.
 *
 * @param model      the model or alias as the caller named it
 * @param keyCeiling the most the caller's API key allows (null: no key ceiling); the request's own privacy is capped by it
 * @param size       billable size, for cost estimates, {@code max_cost} and token limits
 */
public record PlanRequest(Capability capability, String model, RouteHints hints, Privacy keyCeiling, RequestSize size) {
  public PlanRequest {
    hints = hints == null ? RouteHints.NONE : hints;
    size = size == null ? RequestSize.ZERO : size;
  }
}
