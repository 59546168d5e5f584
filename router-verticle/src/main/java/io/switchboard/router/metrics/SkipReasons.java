package io.switchboard.router.metrics;

import io.switchboard.api.ErrorCode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

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

  /**
   * The labels of the reasons that did not fail, in the order they are tried: the first rule whose text matches gives
   * the label ("rate limited for" before the looser "limit").
   */
  private static final List<Rule> RULES = List.of(
    Rule.startsWith("provider=", "provider_forced"),
    Rule.startsWith("privacy ", "privacy"),
    Rule.startsWith("language ", "language"),
    Rule.is("disabled by admin", "disabled"),
    Rule.startsWith("down", "down"),
    Rule.is("breaker open", "breaker_open"),
    Rule.startsWith("breaker half-open", "breaker_half_open"),
    Rule.startsWith("rate limited for", "retry_after"),
    new Rule(r -> r.contains("limit") || r.contains("rate limiter"), "rate_limit"),
    Rule.startsWith("estimate $", "max_cost"),
    Rule.startsWith("strategy=priority", "priority_only"),
    Rule.is("no live instance", "no_instance"),
    new Rule(r -> r.endsWith("not allowed for API key") || r.contains(" not allowed for API key "), "key_rules"));

  /** Reasons that {@code matches} get {@code label}. */
  private record Rule(Predicate<String> matches, String label) {

    static Rule startsWith(String prefix, String label) {
      return new Rule(r -> r.startsWith(prefix), label);
    }

    static Rule is(String text, String label) {
      return new Rule(text::equals, label);
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
    for (Rule rule : RULES) {
      if (rule.matches().test(reason)) {
        return rule.label();
      }
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
