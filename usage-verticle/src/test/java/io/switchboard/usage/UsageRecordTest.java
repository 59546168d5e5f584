package io.switchboard.usage;

import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Privacy;
import io.switchboard.api.RouteInfo;
import io.switchboard.api.UsageRecord;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The usage record's wire form (mesh-api), as the ledger reads it. */
class UsageRecordTest {

  @Test
  void roundTripsEveryField() {
    UsageRecord r = UsageRecord.builder("req-1").time(Instant.parse("2026-11-21T10:00:00.123Z")).keyId("k_1")
      .capability(Capability.TRANSCRIBE).backend("openai").model("whisper-1").privacy(Privacy.CLOUD)
      .tokens(0, 0).audioSeconds(61.5).characters(0).latencyMs(1800).firstByteMs(0).costUsd(0.00615)
      .route(new RouteInfo("openai", "whisper-1", List.of(new RouteInfo.Skip("local-whisper", "breaker open"))))
      .error(ErrorCode.TIMEOUT).build();
    JsonObject json = r.toJson();
    assertEquals(504, json.getInteger("status"));
    assertEquals("TIMEOUT", json.getString("error_code"));
    assertEquals("transcribe", json.getString("capability"));
    assertEquals(r, UsageRecord.fromJson(new JsonObject(json.encode())));
    assertTrue(r.failed());
  }

  @Test
  void aMinimalRecordDefaultsToSuccessWithNoAmounts() {
    UsageRecord r = UsageRecord.fromJson(new JsonObject().put("request_id", "x").put("time", 1_790_000_000_000L));
    assertEquals(200, r.status());
    assertNull(r.backend());
    assertNull(r.route());
    assertEquals(Instant.ofEpochMilli(1_790_000_000_000L), r.time());
  }

  @Test
  void malformedRecordsAreRefusedNamingTheProblem() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> UsageRecord.fromJson(new JsonObject().put("time", "2026-11-21T10:00:00Z")))
      .getMessage().contains("request_id"));
    assertThrows(IllegalArgumentException.class, () -> UsageRecord.fromJson(new JsonObject().put("request_id", "x")));
    assertThrows(IllegalArgumentException.class, () -> UsageRecord.fromJson(new JsonObject().put("request_id", "x").put("time", "soon")));
    assertThrows(IllegalArgumentException.class, () -> UsageRecord.fromJson(new JsonObject().put("request_id", "x")
      .put("time", 1L).put("input_tokens", "many")));
    assertThrows(IllegalArgumentException.class, () -> UsageRecord.fromJson(new JsonObject().put("request_id", "x")
      .put("time", 1L).put("capability", "dance")));
    assertThrows(IllegalArgumentException.class, () -> UsageRecord.builder("x").costUsd(-1).build());
  }
}
