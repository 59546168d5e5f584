package io.switchboard.core.artifact;

import io.switchboard.api.ArtifactKind;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArtifactSettingsTest {

  @Test
  void nothingIsKeptByDefaultAndTheFileStoreIsTheDefault() {
    ArtifactSettings s = ArtifactSettings.from(null, Map.of());
    assertEquals(Set.of(), s.keep());
    assertEquals("file", s.store());
    assertTrue(s.dataDir().toString().endsWith(".cache/switchboard/artifacts"));
    assertEquals(30L * 24 * 3600 * 1000, s.maxAgeMs());
    assertEquals(10L << 30, s.maxBytes());
  }

  @Test
  void keepAndTheSharedStore() {
    ArtifactSettings s = ArtifactSettings.from(new JsonObject().put("keep", new JsonArray().add("audio_in").add("transcript")),
      Map.of("SWITCHBOARD_POSTGRES_URL", "postgresql://u:secret@db/x"));
    assertTrue(s.keeps(ArtifactKind.AUDIO_IN) && s.keeps(ArtifactKind.TRANSCRIPT));
    assertFalse(s.keeps(ArtifactKind.CHAT));
    assertEquals("postgresql", s.store());
    assertFalse(s.toString().contains("secret"), "the URL's password is never printed");
    assertEquals("file", ArtifactSettings.from(new JsonObject().put("store", "file"), Map.of("SWITCHBOARD_POSTGRES_URL", "postgresql://db/x")).store());
  }

  @Test
  void badValuesSayWhatIsWrong() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ArtifactSettings.from(new JsonObject().put("keep", new JsonArray().add("video")), Map.of()))
      .getMessage().contains("unknown artifact kind 'video'"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ArtifactSettings.from(new JsonObject().put("store", "postgresql"), Map.of()))
      .getMessage().contains("neither artifacts.postgres_url nor SWITCHBOARD_POSTGRES_URL"));
    assertThrows(IllegalArgumentException.class, () -> ArtifactSettings.from(new JsonObject().put("store", "s3"), Map.of()));
  }
}
