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
 * @param format     the audio format a speech request asks for (null: not speech); backends that cannot produce it are left out
 * @param sampleRate the sample rate a speech request asks for (null: the backend's own)
 */
public record PlanRequest(Capability capability, String model, RouteHints hints, Privacy keyCeiling, RequestSize size, String language,
                          String format, Integer sampleRate) {
  public PlanRequest {
    hints = hints == null ? RouteHints.NONE : hints;
    size = size == null ? RequestSize.ZERO : size;
  }

  public PlanRequest(Capability capability, String model, RouteHints hints, Privacy keyCeiling, RequestSize size, String language) {
    this(capability, model, hints, keyCeiling, size, language, null, null);
  }

  /** The same request under another key ceiling. */
  public PlanRequest withKeyCeiling(Privacy ceiling) {
    return new PlanRequest(capability, model, hints, ceiling, size, language, format, sampleRate);
  }

  public PlanRequest(Capability capability, String model, RouteHints hints, Privacy keyCeiling, RequestSize size) {
    this(capability, model, hints, keyCeiling, size, null);
  }
}
