package io.switchboard.usage;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The embedded store's DuckDB settings: the ledger's own defaults, and {@code duckdb_settings} over them. */
class UsageConfigDuckDbSettingsTest {

  @Test
  void checkpointsDoNotVacuumByDefault() {
    UsageConfig conf = UsageConfig.from(new JsonObject().put("data_dir", "/tmp/usage-conf-test"), Map.of());
    assertEquals(Map.of("max_vacuum_tasks", "0"), conf.duckdb().settings());
  }

  @Test
  void givenSettingsComeOnTopOfTheDefaults() {
    JsonObject given = new JsonObject().put("max_vacuum_tasks", 100).put("checkpoint_on_detach", "ENABLED");
    UsageConfig conf = UsageConfig.from(new JsonObject().put("data_dir", "/tmp/usage-conf-test").put("duckdb_settings", given), Map.of());
    assertEquals(Map.of("max_vacuum_tasks", "100", "checkpoint_on_detach", "ENABLED"), conf.duckdb().settings());
  }
}
