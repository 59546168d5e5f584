package io.switchboard.usage.store;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DuckDB insert writes a record's day without the formatter the other stores use: the same text, every day. */
class DuckDbAppendDayTest {

  private static final long DAY_MS = 86_400_000L;

  @Test
  void dayTextIsTheFormattersForEveryDayFromYearMinus9999ToYear99999() {
    long first = Instant.parse("-9999-01-01T00:00:00Z").toEpochMilli() / DAY_MS - 1;
    long last = Instant.parse("+99999-12-31T00:00:00Z").toEpochMilli() / DAY_MS;
    int checked = 0;
    for (long d = first; d <= last; d += 7) {
      // The last millisecond of the day too: the day is the floor, before the epoch as after it.
      assertEquals(UsageColumns.day(Instant.ofEpochMilli(d * DAY_MS)), DuckDbAppend.dayText(d), "day " + d);
      assertEquals(UsageColumns.day(Instant.ofEpochMilli(d * DAY_MS + DAY_MS - 1)),
        DuckDbAppend.dayText(Math.floorDiv(d * DAY_MS + DAY_MS - 1, DAY_MS)), "end of day " + d);
      checked++;
    }
    assertTrue(checked > 5_000_000, "days checked: " + checked);
  }
}
