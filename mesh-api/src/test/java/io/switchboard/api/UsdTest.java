package io.switchboard.api;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Amounts in messages keep the digits that matter. */
class UsdTest {

  @Test
  void centsAboveACentSignificantDigitsBelow() {
    assertEquals("5.00", Usd.format(5));
    assertEquals("0.03", Usd.format(0.03));
    assertEquals("0.025", Usd.format(0.025));
    assertEquals("1234.50", Usd.format(1234.5));
    assertEquals("0.001", Usd.format(0.001));
    assertEquals("0.0000002", Usd.format(0.0000002));
    assertEquals("0.0012", Usd.format(0.00123));
    assertEquals("0", Usd.format(0));
  }
}
