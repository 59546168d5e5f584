package io.switchboard.api;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Numeric limits out of the range they are kept in are refused naming the field, never narrowed: a
 * {@code requests_per_minute} of 2^32 must not become 0 (no limit), nor a budget past what the budget counters hold
 * (micro-dollars in a long) become another budget.
 */
class KeyLimitsTest {

  @Test
  void aRateBeyondAnIntIsRefusedNotWrapped() {
    for (Object rpm : new Object[] {4_294_967_296L, 4_294_967_297L, 2_147_483_648L, -4_294_967_296L, 1e300,
      new BigInteger("18446744073709551616"), -1}) {
      MeshException e = assertThrows(MeshException.class, () -> KeyLimits.fromJson(new JsonObject().put("requests_per_minute", rpm)),
        "requests_per_minute " + rpm);
      assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
      assertEquals("requests_per_minute", e.param());
      assertTrue(e.getMessage().contains(String.valueOf(rpm)) && e.getMessage().contains("2147483647"), e.getMessage());
    }
  }

  @Test
  void theWholeIntRangeIsKept() {
    assertEquals(Integer.MAX_VALUE, KeyLimits.fromJson(new JsonObject().put("requests_per_minute", 2_147_483_647L)).requestsPerMinute());
    assertEquals(60, KeyLimits.fromJson(new JsonObject().put("requests_per_minute", 60.0)).requestsPerMinute());
    assertEquals(0, KeyLimits.fromJson(new JsonObject().put("requests_per_minute", 0)).requestsPerMinute());
  }

  @Test
  void aBudgetPastWhatTheCountersHoldIsRefused() {
    for (String field : new String[] {"daily_budget_usd", "monthly_budget_usd"}) {
      for (Object usd : new Object[] {1e300, 1e13, new BigInteger("100000000000000000000")}) {
        MeshException e = assertThrows(MeshException.class, () -> KeyLimits.fromJson(new JsonObject().put(field, usd)), field + " " + usd);
        assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
        assertEquals(field, e.param());
      }
      assertEquals(9e12, KeyLimits.fromJson(new JsonObject().put(field, 9e12)).toJson().getDouble(field));
    }
  }
}
