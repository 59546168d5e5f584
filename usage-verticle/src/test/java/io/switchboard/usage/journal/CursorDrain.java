package io.switchboard.usage.journal;

import io.switchboard.api.UsageRecord;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reads a journal cursor to its end in batches, as the drainer does, advancing past each batch. */
public final class CursorDrain {

  private CursorDrain() {
  }

  /** Every record {@code cursor} has left, in order, read {@code batch} at a time (no batch larger). */
  public static List<UsageRecord> drain(JournalCursor cursor, int batch) throws IOException {
    List<UsageRecord> out = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      JournalCursor.Batch b = cursor.read(batch);
      cursor.advance(b);
      if (b.isEmpty()) {
        return out;
      }
      assertTrue(b.records().size() <= batch, "a batch of " + b.records().size() + " asked for " + batch);
      out.addAll(b.records());
    }
    throw new AssertionError("cursor never caught up");
  }
}
