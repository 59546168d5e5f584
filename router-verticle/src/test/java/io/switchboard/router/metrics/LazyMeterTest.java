package io.switchboard.router.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** A meter nobody records is never exported; once used, every use gets the one meter registered. */
class LazyMeterTest {

  @Test
  void registersOnFirstUseOnlyAndKeepsTheMeter() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AtomicInteger registrations = new AtomicInteger();
    LazyMeter<Counter> audio = new LazyMeter<>(() -> {
      registrations.incrementAndGet();
      return Counter.builder("switchboard.audio.seconds").register(registry);
    });

    assertNull(registry.find("switchboard.audio.seconds").counter());
    Counter first = audio.get();
    first.increment(2);
    audio.get().increment(3);

    assertSame(first, audio.get());
    assertEquals(1, registrations.get());
    assertEquals(5.0, registry.get("switchboard.audio.seconds").counter().count());
  }
}
