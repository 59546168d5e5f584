package io.switchboard.usage.store;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the embedded store's writer may skip asking the table: never a record that could be stored. */
class RecentIdsTest {

  @Test
  void anEmptyTableHasOnlyWhatWasAdded() {
    RecentIds ids = new RecentIds(Long.MIN_VALUE, 100);
    assertFalse(ids.mayBeStored("a", 5), "nothing stored yet");
    ids.added(List.of("a", "b"), new long[]{5, 6});
    assertTrue(ids.mayBeStored("a", 5));
    assertTrue(ids.mayBeStored("b", 6));
    assertFalse(ids.mayBeStored("a", 6), "the same id at another time is another record");
    assertFalse(ids.mayBeStored("c", 5));
  }

  @Test
  void whatIsNotNewerThanTheTableWasAtStartAsksTheTable() {
    RecentIds ids = new RecentIds(1_000, 100);
    assertTrue(ids.mayBeStored("old", 999));
    assertTrue(ids.mayBeStored("old", 1_000));
    assertFalse(ids.mayBeStored("new", 1_001));
  }

  @Test
  void forgettingABatchRaisesTheFloorPastIt() {
    RecentIds ids = new RecentIds(Long.MIN_VALUE, 4);
    ids.added(List.of("a", "b", "c"), new long[]{10, 12, 11});
    ids.added(List.of("d", "e"), new long[]{20, 21});
    assertEquals(2, ids.size(), "the first batch is forgotten once the second takes it past the capacity");
    assertTrue(ids.mayBeStored("b", 12), "forgotten: the table must say");
    assertTrue(ids.mayBeStored("never-seen", 12), "at or before the forgotten batch's newest time: the table must say");
    assertFalse(ids.mayBeStored("never-seen", 13));
    assertTrue(ids.mayBeStored("d", 20), "still remembered");
  }

  @Test
  void oneBatchLargerThanTheCapacityIsKept() {
    RecentIds ids = new RecentIds(Long.MIN_VALUE, 2);
    ids.added(List.of("a", "b", "c"), new long[]{1, 2, 3});
    assertTrue(ids.mayBeStored("c", 3));
    assertFalse(ids.mayBeStored("x", 4));
  }
}
