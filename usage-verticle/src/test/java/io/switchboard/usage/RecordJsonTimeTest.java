package io.switchboard.usage;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The journal's time text is exactly {@link Instant#toString()}, whatever the fraction and the year. */
class RecordJsonTimeTest {

  @Test
  void theTimeIsWrittenAsInstantWritesIt() {
    long[] edges = {0, -1, 1, 86_399, 86_400, -62_167_219_200L, -62_167_219_201L, 253_402_300_799L, 253_402_300_800L,
      1_796_000_000L, Instant.MIN.getEpochSecond(), Instant.MAX.getEpochSecond()};
    int[] nanos = {0, 1, 999_999_999, 123_000_000, 123_456_000, 123_456_789, 1_000, 1_000_000, 100_000_000};
    for (long s : edges) {
      for (int n : nanos) {
        Instant t = Instant.ofEpochSecond(s, n);
        assertEquals(t.toString(), RecordJson.time(t));
      }
    }
    SplittableRandom random = new SplittableRandom(15);
    for (int i = 0; i < 200_000; i++) {
      long s = random.nextLong(-70_000_000_000L, 260_000_000_000L);
      int n = switch (i % 4) {
        case 0 -> 0;
        case 1 -> random.nextInt(1000) * 1_000_000;
        case 2 -> random.nextInt(1_000_000) * 1_000;
        default -> random.nextInt(1_000_000_000);
      };
      Instant t = Instant.ofEpochSecond(s, n);
      assertEquals(t.toString(), RecordJson.time(t));
    }
  }
}
