package io.switchboard.usage;

import io.switchboard.usage.journal.UsageShipper;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The shipper's commit cadence from the {@code usage:} slice: the longest linger is never shorter than the linger. */
class UsageConfigShipperTest {

  private static UsageShipper.Options shipper(JsonObject conf) {
    return UsageConfig.from(conf.put("data_dir", "/tmp/usage-conf-test"), Map.of()).shipper();
  }

  @Test
  void aCommitWaitsForRecordsUpToASecondByDefault() {
    UsageShipper.Options o = shipper(new JsonObject());
    assertEquals(200, o.lingerMs());
    assertEquals(500, o.lingerRecords());
    assertEquals(1000, o.maxLingerMs());
    assertEquals(64, o.stageRecords());
  }

  @Test
  void aLingerLongerThanTheLongestLingerRaisesIt() {
    assertEquals(3000, shipper(new JsonObject().put("ship_linger_ms", 3000)).maxLingerMs());
  }

  @Test
  void noLingerMeansNoWaitForRecordsEither() {
    assertEquals(0, shipper(new JsonObject().put("ship_linger_ms", 0)).maxLingerMs());
  }
}
