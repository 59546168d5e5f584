package io.switchboard.llm.embed;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.Health;
import io.switchboard.api.Prices;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.BackendConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The descriptor an embedding backend announces before its model has loaded. */
class EmbeddingSettingsTest {

  private static BackendDescriptor described(JsonObject conf) {
    return EmbeddingSettings.from(new BackendConfig(conf.put("id", "embed").put("type", "onnx-embeddings"), Map.of())).descriptor();
  }

  @Test
  void aBareEntryIsLocalFreeLoadingAndNamedAfterItsModel() {
    BackendDescriptor d = described(new JsonObject());
    assertEquals("onnx-embeddings", d.type());
    assertEquals(Set.of(Capability.EMBED), d.capabilities());
    assertEquals(Privacy.LOCAL, d.privacy());
    assertEquals(2, d.concurrency());
    assertEquals(List.of(EmbeddingSettings.DEFAULT_MODEL), d.models());
    assertEquals(Map.of(), d.prices());
    assertEquals(Health.down("loading"), d.health());
  }

  @Test
  void electricityIsPaidOnInputTokensOnlyAndConfPricesWin() {
    assertEquals(Map.of("*", new Prices(0.02, 0, 0, 0, 0)), described(new JsonObject().put("electricity_per_mtok", 0.02)).prices());
    JsonObject priced = new JsonObject().put("electricity_per_mtok", 0.02)
      .put("prices", new JsonObject().put("e5", new JsonObject().put("input_per_mtok", 0.5)));
    assertEquals(Map.of("e5", new Prices(0.5, 0, 0, 0, 0)), described(priced).prices());
    assertEquals(List.of("a", "b"), described(new JsonObject().put("models", new JsonArray().add("a").add("b"))).models());
  }
}
