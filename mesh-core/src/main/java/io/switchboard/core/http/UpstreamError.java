package io.switchboard.core.http;

/**
 * What an upstream's error body said, once its protocol's shape is read ({@link ErrorDialect}): the human message,
 * the machine type and code, the request field at fault, and what the protocol's own words tell beyond the HTTP
 * status ({@link Hint}). Every field may be null; the message is not yet redacted.
 */
public record UpstreamError(String message, String type, String param, String code, Hint hint) {

  /** Nothing readable was said. */
  public static final UpstreamError NONE = new UpstreamError(null, null, null, null, Hint.NONE);

  /** What the body says that the status alone does not. */
  public enum Hint {
    NONE,
    /** The prompt does not fit the model: the caller's to fix, kept apart from other 400s. */
    CONTEXT_TOO_LONG,
    /** The account's quota or credit is gone: waiting will not help, another backend will. */
    QUOTA,
    /** The upstream is overloaded (Anthropic's 529 {@code overloaded_error}). */
    OVERLOADED,
    /** The upstream says it timed out (Anthropic's {@code timeout_error}). */
    TIMEOUT
  }

  public UpstreamError withHint(Hint h) {
    return new UpstreamError(message, type, param, code, h);
  }

  public UpstreamError withParam(String p) {
    return new UpstreamError(message, type, p, code, hint);
  }
}
