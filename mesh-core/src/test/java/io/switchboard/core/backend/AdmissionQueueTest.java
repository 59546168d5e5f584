package io.switchboard.core.backend;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The backend admission queue, as a table: each row is a concurrency, a queue size and a script of arrivals and
 * completions, with the order the requests started in, the ones refused, and what runs and waits at the end. Then
 * the drain: it waits for the queue to be served, and gives up after its timeout saying how many still run.
 */
@ExtendWith(VertxExtension.class)
class AdmissionQueueTest {

  /**
   * One row. Script tokens: {@code +a} request a arrives; {@code +a*} it arrives and its work is over at once;
   * {@code -a} a's work succeeds; {@code !a} a's work fails.
   */
  record Row(String name, int concurrency, int maxQueue, String script, String started, String refused, int running, int queued) {
  }

  static final List<Row> ROWS = List.of(
    new Row("under its concurrency every request runs at once", 2, 2, "+a +b", "a b", "", 2, 0),
    new Row("beyond its concurrency requests wait and start in arrival order", 1, 2, "+a +b +c -a -b", "a b c", "", 1, 0),
    new Row("beyond the queue a request is refused and never runs", 1, 1, "+a +b +c -a -b", "a b", "c", 0, 0),
    new Row("a failed request frees its slot like a finished one", 1, 1, "+a +b !a", "a b", "", 1, 0),
    new Row("with no queue the second request is refused, a later one runs", 1, 0, "+a +b -a +c", "a c", "b", 1, 0),
    new Row("work over at once never holds a slot", 1, 1, "+a* +b* +c", "a b c", "", 1, 0),
    new Row("a slot freed while others wait goes to the first of them", 2, 3, "+a +b +c +d +e -b", "a b c", "", 2, 2),
    new Row("a queue that filled and emptied takes new requests again", 1, 1, "+a +b +c -a -b +d", "a b d", "c", 1, 0));

  @TestFactory
  Stream<DynamicTest> admission() {
    return ROWS.stream().map(row -> DynamicTest.dynamicTest(row.name(), () -> play(row)));
  }

  private static void play(Row row) {
    Map<String, Promise<Void>> work = new HashMap<>();
    List<String> started = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    AdmissionQueue<String> queue = new AdmissionQueue<>(row.concurrency(), row.maxQueue(), id -> {
      started.add(id.replace("*", ""));
      if (id.endsWith("*")) {
        return Future.succeededFuture();
      }
      Promise<Void> p = Promise.promise();
      work.put(id, p);
      return p.future();
    });
    for (String step : row.script().split(" ")) {
      String id = step.substring(1);
      switch (step.charAt(0)) {
        case '+' -> {
          if (!queue.offer(id)) {
            refused.add(id);
          }
        }
        case '-' -> work.get(id).complete();
        case '!' -> work.get(id).fail(new IllegalStateException("failed on purpose"));
        default -> throw new IllegalArgumentException("bad step " + step);
      }
    }
    assertEquals(List.of(row.started().split(" ")), started, "started");
    assertEquals(row.refused().isEmpty() ? List.of() : List.of(row.refused().split(" ")), refused, "refused");
    assertEquals(row.running(), queue.running(), "running");
    assertEquals(row.queued(), queue.queued(), "queued");
  }

  @Test
  void anIdleQueueIsDrainedAtOnce(Vertx vertx, VertxTestContext test) {
    AdmissionQueue<String> queue = new AdmissionQueue<>(1, 1, id -> Promise.promise().future());
    queue.idle(vertx, 10_000).onComplete(test.succeeding(left -> test.verify(() -> {
      assertEquals(0, left);
      test.completeNow();
    })));
  }

  @Test
  void theDrainWaitsForTheQueuedRequestsToo(Vertx vertx, VertxTestContext test) {
    Map<String, Promise<Void>> work = new HashMap<>();
    vertx.runOnContext(v -> {
      AdmissionQueue<String> queue = new AdmissionQueue<>(1, 1, id -> {
        Promise<Void> p = Promise.promise();
        work.put(id, p);
        return p.future();
      });
      queue.offer("a");
      queue.offer("b");
      Future<Integer> idle = queue.idle(vertx, 10_000);
      work.get("a").complete();
      test.verify(() -> assertFalse(idle.isComplete(), "b, queued, has not run yet"));
      work.get("b").complete();
      idle.onComplete(test.succeeding(left -> test.verify(() -> {
        assertEquals(0, left);
        test.completeNow();
      })));
    });
  }

  @Test
  void aDrainThatTimesOutSaysHowManyStillRun(Vertx vertx, VertxTestContext test) {
    vertx.runOnContext(v -> {
      AdmissionQueue<String> queue = new AdmissionQueue<>(2, 1, id -> Promise.<Void>promise().future());
      queue.offer("a");
      queue.offer("b");
      queue.idle(vertx, 50).onComplete(test.succeeding(left -> test.verify(() -> {
        assertEquals(2, left);
        test.completeNow();
      })));
    });
  }
}
