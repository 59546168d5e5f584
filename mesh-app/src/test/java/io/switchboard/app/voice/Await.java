package io.switchboard.app.voice;

import java.util.function.BooleanSupplier;

/** A bounded wait for something a call does in its own time (the test thread polls; the call runs on the node). */
final class Await {

  private Await() {
  }

  static void until(BooleanSupplier condition, long timeoutMs, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what);
      }
      Thread.sleep(10);
    }
  }
}
