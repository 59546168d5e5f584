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
 * @param language   the spoken language a transcription asks for (null: any); backends declaring other languages are left out
 */
public record PlanRequest(Capability capability, String model, RouteHints hints, Privacy keyCeiling, RequestSize size, String language) {
  public PlanRequest {
    hints = hints == null ? RouteHints.NONE : hints;
    size = size == null ? RequestSize.ZERO : size;
  }

  public PlanRequest(Capability capability, String model, RouteHints hints, Privacy keyCeiling, RequestSize size) {
    this(capability, model, hints, keyCeiling, size, null);
  }
}
