package io.switchboard.app;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeapReturnTest {

  private static final long MB = 1L << 20;

  @Test
  void aHeapThatGrewUnderLoadIsCollectedOnceTheNodeIsIdle() {
    HeapReturn policy = new HeapReturn(new HeapReturn.Reading(60 * MB, 10));
    // Busy: collections ran in the period; the growth stays below the busy limit.
    assertFalse(policy.shouldCollect(new HeapReturn.Reading(100 * MB, 200)));
    assertFalse(policy.shouldCollect(new HeapReturn.Reading(140 * MB, 400)));
    // The load ended: no collection in the whole period, and the heap is 80 MB above the last full collection's.
    assertTrue(policy.shouldCollect(new HeapReturn.Reading(140 * MB, 400)));
    policy.collected(new HeapReturn.Reading(40 * MB, 401));
    // Idle and nothing grew since: nothing more to give back.
    assertFalse(policy.shouldCollect(new HeapReturn.Reading(40 * MB, 401)));
    assertFalse(policy.shouldCollect(new HeapReturn.Reading(40 * MB, 401)));
  }

  @Test
  void anIdleNodeWhoseHeapGrewLittleIsLeftAlone() {
    HeapReturn policy = new HeapReturn(new HeapReturn.Reading(60 * MB, 10));
    assertFalse(policy.shouldCollect(new HeapReturn.Reading(60 * MB + HeapReturn.IDLE_GROWTH - 1, 10)));
    assertTrue(policy.shouldCollect(new HeapReturn.Reading(60 * MB + HeapReturn.IDLE_GROWTH, 10)));
  }

  @Test
  void underSustainedLoadTheOldGenerationIsCollectedPastTheBusyLimit() {
    HeapReturn policy = new HeapReturn(new HeapReturn.Reading(60 * MB, 10));
    assertFalse(policy.shouldCollect(new HeapReturn.Reading(60 * MB + HeapReturn.BUSY_GROWTH - 1, 1000)));
    assertTrue(policy.shouldCollect(new HeapReturn.Reading(60 * MB + HeapReturn.BUSY_GROWTH, 2000)));
    policy.collected(new HeapReturn.Reading(70 * MB, 2001));
    assertFalse(policy.shouldCollect(new HeapReturn.Reading(200 * MB, 3000)));
  }

  @Test
  void aLargeLiveHeapWaitsForGrowthInProportionBeforeItsCostlierCollection() {
    // A local model's weights: 1 GB live after the last full collection.
    HeapReturn policy = new HeapReturn(new HeapReturn.Reading(1024 * MB, 10));
    assertFalse(policy.shouldCollect(new HeapReturn.Reading(1024 * MB + HeapReturn.BUSY_GROWTH, 100)));
    assertFalse(policy.shouldCollect(new HeapReturn.Reading(2047 * MB, 200)));
    assertTrue(policy.shouldCollect(new HeapReturn.Reading(2048 * MB, 300)));
    policy.collected(new HeapReturn.Reading(1024 * MB, 301));
    // Idle: a quarter of the heap, not 32 MB.
    assertFalse(policy.shouldCollect(new HeapReturn.Reading(1024 * MB + 255 * MB, 301)));
    assertTrue(policy.shouldCollect(new HeapReturn.Reading(1024 * MB + 256 * MB, 301)));
  }

  @Test
  void thePeriodComesFromTheEnvironment() {
    assertEquals(2000, HeapReturn.periodMs(Map.of()));
    assertEquals(2000, HeapReturn.periodMs(Map.of(HeapReturn.ENV, " ")));
    assertEquals(0, HeapReturn.periodMs(Map.of(HeapReturn.ENV, "0")));
    assertEquals(1500, HeapReturn.periodMs(Map.of(HeapReturn.ENV, " 1500 ")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
      () -> HeapReturn.periodMs(Map.of(HeapReturn.ENV, "-1")));
    assertTrue(e.getMessage().contains(HeapReturn.ENV), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> HeapReturn.periodMs(Map.of(HeapReturn.ENV, "5s")));
  }
}
