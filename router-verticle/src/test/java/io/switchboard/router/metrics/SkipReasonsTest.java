package io.switchboard.router.metrics;

import io.switchboard.api.ErrorCode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every skip reason the router writes (RoutingPolicy, Failover, RateLimiter, KeyRules, RoutedRequest) has its label. */
class SkipReasonsTest {

  /** Each reason's label, and the error code of a failed candidate's reason (blank: not a failure). */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "provider=openai requested|provider_forced|",
    "provider=x requested|provider_forced|",
    "privacy cloud exceeds local|privacy|",
    "language fr not supported (en only)|language|",
    "disabled by admin|disabled|",
    "down|down|",
    "down: connection refused|down|",
    "breaker open|breaker_open|",
    "breaker half-open, its trial request is in flight|breaker_half_open|",
    "rate limited for 2.0s more|retry_after|",
    "rpm limit 100/min reached, resets in 12.0s|rate_limit|",
    "tpm limit 2000/min reached, resets in 1.5s|rate_limit|",
    "concurrency limit 4 reached|rate_limit|",
    "shared rate-limit counter unavailable|rate_limit|",
    "rate limiter failed|rate_limit|",
    "estimate $0.025 exceeds max_cost $0.01|max_cost|",
    "strategy=priority uses the first candidate only|priority_only|",
    "no live instance|no_instance|",
    "provider not allowed for API key k_abc|key_rules|",
    "model gpt-4o not allowed for API key k_abc|key_rules|",
    "upstream_error: openai: HTTP 500 from upstream|failed|UPSTREAM",
    "timeout: no first byte within 800 ms|failed|TIMEOUT",
    "no_healthy_backend: instance x stopped answering|failed|UNAVAILABLE",
    "rate_limit_exceeded: slow down|failed|RATE_LIMITED",
    "upstream_error: boom|failed|UPSTREAM",
    "timeout: slow|failed|TIMEOUT",
    "rate_limit_exceeded: 429 from upstream|failed|RATE_LIMITED",
    "something new: with a colon|other|",
  })
  void eachReasonHasItsLabelAndAFailureItsCode(String reason, String label, ErrorCode code) {
    assertEquals(label, SkipReasons.classify(reason));
    assertEquals(code, SkipReasons.failureCode(reason));
  }
}
