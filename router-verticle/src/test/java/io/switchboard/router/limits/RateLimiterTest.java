package io.switchboard.router.limits;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Limits of one backend on a (non-clustered) Vert.x, with a clock the test moves: requests and tokens per window,
 * shared by two limiters (two routers) through the same counters, and in-flight concurrency per router.
 */
@ExtendWith(VertxExtension.class)
class RateLimiterTest {

  private final AtomicLong clock = new AtomicLong(1_000_000_000L);

  private RateLimiter.Denial acquire(RateLimiter limiter, String id, long tokens) throws Exception {
    return limiter.acquire(id, tokens).await(5, TimeUnit.SECONDS);
  }

  @Test
  void requestsPerWindowAreSharedByTwoRoutersAndResetWithTheWindow(Vertx vertx) throws Exception {
    Limits limits = new Limits(600, 0, 0); // 10 per 1-second window
    RateLimiter routerA = new RateLimiter(vertx.sharedData(), clock::get, id -> limits, 1000, 0.2);
    RateLimiter routerB = new RateLimiter(vertx.sharedData(), clock::get, id -> limits, 1000, 0.2);
    int admitted = 0;
    RateLimiter.Denial last = null;
    for (int i = 0; i < 30; i++) {
      RateLimiter.Denial d = acquire(i % 2 == 0 ? routerA : routerB, "shared", 1);
      if (d == null) {
        admitted++;
      } else {
        last = d;
      }
    }
    assertEquals(10, admitted, "the two routers together admit the window's limit, no more");
    assertNotNull(last);
    assertEquals("rpm limit 600/min reached", last.reason());
    assertTrue(last.retryAfterMs() > 0 && last.retryAfterMs() <= 1000, "waits until the window ends: " + last.retryAfterMs());
    assertTrue(routerA.limitedUntil("shared") > clock.get() || routerB.limitedUntil("shared") > clock.get(),
      "the policy can see the full window without asking the cluster");

    clock.addAndGet(1000);
    assertNull(acquire(routerA, "shared", 1), "a new window admits again");
    assertEquals(0, routerA.limitedUntil("shared"));
  }

  @Test
  void tokensPerWindowCountTheRequestsEstimate(Vertx vertx) throws Exception {
    RateLimiter limiter = new RateLimiter(vertx.sharedData(), clock::get, id -> new Limits(0, 60_000, 0), 1000, 0.02); // 1000 tokens a window
    assertNull(acquire(limiter, "t", 600));
    assertNull(acquire(limiter, "t", 300));
    RateLimiter.Denial d = acquire(limiter, "t", 200);
    assertNotNull(d, "900 + 200 tokens exceed the window's 1000");
    assertEquals("tpm limit 60000/min reached", d.reason());
    assertNull(acquire(limiter, "t", 100), "a smaller request still fits what is left");
  }

  @Test
  void concurrencyIsPerRouterAndFreedOnRelease(Vertx vertx) throws Exception {
    RateLimiter limiter = new RateLimiter(vertx.sharedData(), clock::get, id -> new Limits(0, 0, 2), 60_000, 0.02);
    assertNull(acquire(limiter, "c", 0));
    assertNull(acquire(limiter, "c", 0));
    RateLimiter.Denial d = acquire(limiter, "c", 0);
    assertNotNull(d);
    assertEquals("concurrency limit 2 reached", d.reason());
    limiter.release("c");
    assertNull(acquire(limiter, "c", 0));
  }

  @Test
  void aRequestNeverSentGivesItsPermitBack(Vertx vertx) throws Exception {
    RateLimiter limiter = new RateLimiter(vertx.sharedData(), clock::get, id -> new Limits(120, 0, 1), 1000, 0.5); // 2 a window
    assertNull(acquire(limiter, "r", 0));
    limiter.cancel("r", 0); // e.g. its breaker refused it
    assertNull(acquire(limiter, "r", 0), "the slot and the permit came back");
    limiter.release("r");
    assertNull(acquire(limiter, "r", 0));
    limiter.release("r");
    assertNotNull(acquire(limiter, "r", 0), "two sent requests used the window's two permits");
  }

  @Test
  void unlimitedBackendsAreAlwaysAdmittedAndCountedLocally(Vertx vertx) throws Exception {
    RateLimiter limiter = new RateLimiter(vertx.sharedData(), clock::get, id -> Limits.NONE, 60_000, 0.02);
    for (int i = 0; i < 100; i++) {
      assertNull(acquire(limiter, "free", 10));
      limiter.release("free");
    }
    var usage = limiter.usage("free").await(5, TimeUnit.SECONDS);
    assertEquals(100, usage.getLong("rpm"));
    assertEquals(1000, usage.getLong("tpm"));
    assertEquals("router", usage.getString("scope"));
  }
}
