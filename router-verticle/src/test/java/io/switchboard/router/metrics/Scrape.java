package io.switchboard.router.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checks on a Prometheus scrape, as the metrics tests read it: a table of the series lines it must hold. */
final class Scrape {

  private Scrape() {
  }

  /** Asserts that {@code text} holds each of {@code series} (each a whole series with its labels and value). */
  static void assertHas(String text, String... series) {
    for (String s : series) {
      assertTrue(text.contains(s), () -> "no '" + s + "' in the scrape:\n" + text);
    }
  }
}
