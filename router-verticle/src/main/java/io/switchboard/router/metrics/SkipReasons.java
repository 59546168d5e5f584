package io.switchboard.router.metrics;

import io.switchboard.api.ErrorCode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sorts the route explanation's skip reasons (free text written for people, e.g. "privacy cloud exceeds local") into a
 * few fixed labels for metrics, so that a reason's numbers or a backend's own words never become a label value. A
 * candidate that failed is skipped with "{@code <error code>: <message>}" ({@code RoutedRequest.failedOn}): its label
 * is {@value #FAILED} and its code is kept apart ({@link #failureCode}).
 */
final class SkipReasons {

  static final String FAILED = "failed";
  static final String OTHER = "other";

  /** "{@code <code>: }" of every error code, each with its code (the first class of a code shared by two). */
  private static final Map<String, ErrorCode> PREFIXES = new LinkedHashMap<>();

  static {
    for (ErrorCode c : ErrorCode.values()) {
      PREFIXES.putIfAbsent(c.openAiCode() + ": ", c);
    }
  }

  private SkipReasons() {
  }

  /** The label of one skip reason (see docs/metrics.md for the list). */
  static String classify(String reason) {
    if (reason == null) {
      return OTHER;
    }
    if (failureCode(reason) != null) {
      return FAILED;
    }
    if (reason.startsWith("provider=")) {
      return "provider_forced";
    }
    if (reason.startsWith("privacy ")) {
      return "privacy";
    }
    if (reason.startsWith("language ")) {
      return "language";
    }
    if (reason.equals("disabled by admin")) {
      return "disabled";
    }
    if (reason.startsWith("down")) {
      return "down";
    }
    if (reason.equals("breaker open")) {
      return "breaker_open";
    }
    if (reason.startsWith("breaker half-open")) {
      return "breaker_half_open";
    }
    if (reason.startsWith("rate limited for")) {
      return "retry_after";
    }
    if (reason.contains("limit") || reason.contains("rate limiter")) {
      return "rate_limit";
    }
    if (reason.startsWith("estimate $")) {
      return "max_cost";
    }
    if (reason.startsWith("strategy=priority")) {
      return "priority_only";
    }
    if (reason.equals("no live instance")) {
      return "no_instance";
    }
    if (reason.endsWith("not allowed for API key") || reason.contains(" not allowed for API key ")) {
      return "key_rules";
    }
    return OTHER;
  }

  /** The error a failed candidate's skip reason starts with, or null when the reason is not a failure. */
  static ErrorCode failureCode(String reason) {
    for (Map.Entry<String, ErrorCode> p : PREFIXES.entrySet()) {
      if (reason.startsWith(p.getKey())) {
        return p.getValue();
      }
    }
    return null;
  }
}
