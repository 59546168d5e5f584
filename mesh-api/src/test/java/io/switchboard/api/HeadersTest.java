package io.switchboard.api;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeadersTest {

  @Test
  void requestIdsAreReqAnd24HexDigitsAndDoNotRepeat() {
    Set<String> seen = new HashSet<>();
    boolean leadingZero = false;
    for (int i = 0; i < 20_000; i++) {
      String id = Headers.newRequestId();
      assertTrue(id.matches("req_[0-9a-f]{24}"), id);
      leadingZero |= id.charAt(4) == '0' || id.charAt(20) == '0';
      seen.add(id);
    }
    assertEquals(20_000, seen.size());
    assertTrue(leadingZero, "each half keeps its leading zeros (fixed width)");
  }
}
