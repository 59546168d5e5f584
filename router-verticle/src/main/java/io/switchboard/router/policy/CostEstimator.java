package io.switchboard.router.policy;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.EmbeddingRequest;
import io.switchboard.api.Prices;
import io.switchboard.api.SpeechRequest;
import io.switchboard.api.TranscriptionRequest;
import io.vertx.core.buffer.Buffer;

/**
 * The one cost estimate of the mesh, shared by the router (cost strategy, {@code max_cost}, compare-cost) and the
 * usage ledger (budget reservations): a request's size in billable units times the backend's list prices for the
 * model it would run. Sizes are estimates: prompt tokens at 4 characters a token, the completion at
 * {@code max_tokens} or the configured default, speech audio at {@value #SPEECH_CHARS_PER_SECOND} characters a
 * second, uploaded audio from its header or a typical bitrate ({@link AudioSeconds}).
 */
public final class CostEstimator {

  public static final long DEFAULT_COMPLETION_TOKENS = 256;
  /** Speaking rate for estimating the length of synthesised speech (about 150 words a minute). */
  public static final double SPEECH_CHARS_PER_SECOND = 15;

  private final long defaultCompletionTokens;

  /** @param defaultCompletionTokens completion tokens assumed for a chat request with no {@code max_tokens} */
  public CostEstimator(long defaultCompletionTokens) {
    if (defaultCompletionTokens < 0) {
      throw new IllegalArgumentException("default_completion_tokens must not be negative");
    }
    this.defaultCompletionTokens = defaultCompletionTokens;
  }

  public long defaultCompletionTokens() {
    return defaultCompletionTokens;
  }

  public RequestSize chat(ChatRequest request) {
    long out = request.maxTokens() != null ? request.maxTokens() : defaultCompletionTokens;
    return new RequestSize(request.estimatePromptTokens(), out, 0, 0);
  }

  public static RequestSize embedding(EmbeddingRequest request) {
    return new RequestSize(request.estimateTokens(), 0, 0, 0);
  }

  public static RequestSize speech(SpeechRequest request) {
    long chars = request.input().length();
    return new RequestSize(0, 0, chars / SPEECH_CHARS_PER_SECOND, chars);
  }

  public static RequestSize transcription(TranscriptionRequest request, Buffer audio) {
    return new RequestSize(0, 0, AudioSeconds.estimate(audio, request.contentType(), request.filename()), 0);
  }

  /**
   * Estimated US dollars for a request of {@code size} on {@code backend} running {@code model}. Only the units
   * the capability is billed in count (a chat backend's per-minute audio price does not apply to chat).
   */
  public static double estimate(BackendDescriptor backend, String model, Capability capability, RequestSize size) {
    Prices p = backend.pricesFor(model);
    if (p.isFree()) {
      return 0;
    }
    return switch (capability) {
      case CHAT -> p.cost(size.inputTokens(), size.outputTokens(), 0, 0);
      case EMBED -> p.cost(size.inputTokens(), 0, 0, 0);
      case TRANSCRIBE -> p.cost(0, 0, size.audioSeconds(), 0);
      case SPEECH -> p.cost(0, 0, size.audioSeconds(), size.characters());
      case REALTIME -> p.cost(0, 0, size.audioSeconds(), 0); // per minute of session audio, both ways
    };
  }
}
