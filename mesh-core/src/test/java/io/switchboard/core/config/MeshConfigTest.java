package io.switchboard.core.config;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The layered configuration: defaults file, operator file over it, then the environment. */
@ExtendWith(VertxExtension.class)
class MeshConfigTest {

  @Test
  void operatorFileAndEnvironmentOverrideTheDefaults(Vertx vertx, @TempDir Path dir) throws Exception {
    Path defaults = Files.writeString(dir.resolve("defaults.yaml"),
      "http:\n  port: 8080\n  host: 0.0.0.0\nrouter:\n  strategy: fallback\nbackends:\n  - id: a\n  - id: b\n");
    Path operator = Files.writeString(dir.resolve("operator.yaml"), "router:\n  strategy: cost\nbackends:\n  - id: c\n");
    JsonObject conf = MeshConfig.load(vertx, defaults, operator,
      Map.of("SWITCHBOARD_HTTP_PORT", "9090", "SWITCHBOARD_ADMIN_TOKEN", "tok-123")).await(10, TimeUnit.SECONDS);
    assertEquals(9090, conf.getJsonObject("http").getInteger("port"));
    assertEquals("0.0.0.0", conf.getJsonObject("http").getString("host"), "a nested key not overridden is kept");
    assertEquals("tok-123", conf.getJsonObject("http").getString("admin_token"));
    assertEquals("cost", conf.getJsonObject("router").getString("strategy"));
    assertEquals(1, conf.getJsonArray("backends").size(), "a list in the operator file replaces the default list whole");
  }

  @Test
  void aBadPortIsAClearError(Vertx vertx, @TempDir Path dir) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
      () -> MeshConfig.load(vertx, dir.resolve("none.yaml"), null, Map.of("SWITCHBOARD_HTTP_PORT", "eighty")));
    assertEquals("SWITCHBOARD_HTTP_PORT must be a port number, got 'eighty'", e.getMessage());
  }
}
