package io.switchboard.router.policy;

/**
 * How big a request is, in the units backends charge for: prompt tokens, completion tokens (the request's
 * {@code max_tokens}, or the configured default when it has none), seconds of audio, characters synthesised.
 * Estimates made before the request runs; the usage ledger settles to the real figures afterwards.
 */
public record RequestSize(long inputTokens, long outputTokens, double audioSeconds, long characters) {

  public static final RequestSize ZERO = new RequestSize(0, 0, 0, 0);

  /** Tokens that count against a backend's tokens-per-minute limit. */
  public long tokens() {
    return inputTokens + outputTokens;
  }
}
