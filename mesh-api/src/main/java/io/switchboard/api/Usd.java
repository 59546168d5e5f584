package io.switchboard.api;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Dollar amounts in messages (budgets, estimates, {@code max_cost}): cents for amounts of a cent or more ({@code 5.00},
 * {@code 0.025}, up to 6 decimals), two significant digits below that ({@code 0.0012}, {@code 0.0000002}), so that a
 * small amount is never shown as {@code 0} or {@code 0.00} beside a limit it exceeds.
 */
public final class Usd {

  private Usd() {
  }

  public static String format(double usd) {
    if (usd == 0 || !Double.isFinite(usd)) {
      return usd == 0 ? "0" : String.valueOf(usd);
    }
    BigDecimal v = BigDecimal.valueOf(usd);
    if (Math.abs(usd) < 0.01) {
      return v.round(new MathContext(2, RoundingMode.HALF_UP)).stripTrailingZeros().toPlainString();
    }
    BigDecimal cents = v.setScale(6, RoundingMode.HALF_UP).stripTrailingZeros();
    return (cents.scale() < 2 ? cents.setScale(2, RoundingMode.UNNECESSARY) : cents).toPlainString();
  }
}
