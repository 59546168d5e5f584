package io.switchboard.usage.store;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecentIdsTest {

  @Test
  void itVouchesOnlyForTimesAfterWhatWasStoredBeforeAndWhatItLetGo() {
    RecentIds ids = new RecentIds(4, 1_000);
    assertFalse(ids.covers(1_000), "a time stored before the writer started may hold anything");
    assertTrue(ids.covers(1_001));
    for (int i = 0; i < 8; i++) {
      ids.add(RecentIds.hash("r" + i, 2_000 + i), 2_000 + i);
    }
    for (int i = 0; i < 8; i++) {
      assertTrue(ids.mayHold(RecentIds.hash("r" + i, 2_000 + i)), "two generations of four are remembered: r" + i);
    }
    assertFalse(ids.mayHold(RecentIds.hash("r0", 2_001)), "the identity is the id and the time");
    assertEquals(1_000, ids.floor());

    ids.add(RecentIds.hash("r8", 2_008), 2_008);
    assertEquals(2_003, ids.floor(), "the first generation was let go: its latest time is the new floor");
    assertFalse(ids.covers(2_003));
    assertFalse(ids.mayHold(RecentIds.hash("r0", 2_000)));
    assertTrue(ids.mayHold(RecentIds.hash("r8", 2_008)));
    assertTrue(ids.mayHold(RecentIds.hash("r4", 2_004)));
  }

  @Test
  void aRecordStoredLateKeepsTheFloorAtTheLatestTimeLetGo() {
    RecentIds ids = new RecentIds(2, Long.MIN_VALUE);
    ids.add(RecentIds.hash("a", 500), 500);
    ids.add(RecentIds.hash("b", 100), 100);
    ids.add(RecentIds.hash("c", 600), 600);
    ids.add(RecentIds.hash("d", 700), 700);
    ids.add(RecentIds.hash("e", 800), 800);
    assertEquals(500, ids.floor(), "not the last time added to the generation let go, its latest");
    assertFalse(ids.covers(400), "b at 100 was let go too: nothing at or before 500 is vouched for");
  }
}
