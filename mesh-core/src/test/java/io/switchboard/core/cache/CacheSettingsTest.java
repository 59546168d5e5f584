package io.switchboard.core.cache;

import io.switchboard.api.Capability;
import io.switchboard.core.artifact.ArtifactSettings;
import io.switchboard.core.config.MeshConfig;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cache's settings: the shipped defaults, what takes part, and YAML's spelling of on and off. */
@ExtendWith(VertxExtension.class)
class CacheSettingsTest {

  @Test
  void theShippedConfigurationReads(Vertx vertx) throws Exception {
    Path conf = Path.of(System.getProperty("switchboard.project.dir", "..")).resolve("conf/switchboard.yaml");
    JsonObject all = MeshConfig.load(vertx, conf, null, Map.of()).await(10, TimeUnit.SECONDS);
    CacheSettings cache = CacheSettings.from(all.getJsonObject("cache"));
    assertEquals(CacheSettings.Mode.ON, cache.mode(Capability.TRANSCRIBE));
    assertEquals(CacheSettings.Mode.OPT_IN, cache.mode(Capability.CHAT));
    assertEquals(3_600_000L, cache.ttl(Capability.CHAT));
    assertEquals(604_800_000L, cache.longestTtl());
    assertEquals(CacheSettings.from(new JsonObject()), cache, "the file says what the code defaults to");
    ArtifactSettings artifacts = ArtifactSettings.from(all.getJsonObject("artifacts"), Map.of());
    assertEquals(ArtifactSettings.from(new JsonObject(), Map.of()), artifacts);
  }

  @Test
  void whoTakesPart() {
    CacheSettings s = CacheSettings.from(new JsonObject());
    assertTrue(s.wanted(Capability.TRANSCRIBE, null, false));
    assertFalse(s.wanted(Capability.TRANSCRIBE, false, false), "\"cache\": false");
    assertFalse(s.wanted(Capability.SPEECH, null, true), "Cache-Control: no-store");
    assertFalse(s.wanted(Capability.CHAT, null, false), "chat is opt-in");
    assertTrue(s.wanted(Capability.CHAT, true, false));
    assertFalse(s.wanted(Capability.CHAT, true, true), "no-store wins over opting in");
    CacheSettings off = CacheSettings.from(new JsonObject().put("enabled", false));
    assertFalse(off.wanted(Capability.EMBED, true, false));
  }

  @Test
  void yamlOnAndOff(Vertx vertx, @TempDir Path dir) throws Exception {
    Path yaml = Files.writeString(dir.resolve("c.yaml"), "cache:\n  speech: {mode: off}\n  embed: {mode: on}\n");
    CacheSettings s = CacheSettings.from(MeshConfig.load(vertx, yaml, null, Map.of()).await(10, TimeUnit.SECONDS).getJsonObject("cache"));
    assertEquals(CacheSettings.Mode.OFF, s.mode(Capability.SPEECH));
    assertEquals(CacheSettings.Mode.ON, s.mode(Capability.EMBED));
    assertThrows(IllegalArgumentException.class, () -> CacheSettings.from(new JsonObject().put("chat", new JsonObject().put("mode", "sometimes"))));
    assertThrows(IllegalArgumentException.class, () -> CacheSettings.from(new JsonObject().put("scope", "tenant")));
  }
}
