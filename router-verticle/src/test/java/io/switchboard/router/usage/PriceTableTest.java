package io.switchboard.router.usage;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.PriceBook;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.config.PriceTable;
import io.switchboard.router.policy.CostEstimator;
import io.switchboard.router.policy.RequestSize;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped conf and price table through {@link PriceTable}: descriptors get the book's prices, a conf entry's own
 * prices are laid over the book, and so the router's estimate and the ledger's cost of a request read one table.
 */
class PriceTableTest {

  private static final Path PROJECT = Path.of(System.getProperty("switchboard.project.dir", ".."));
  private static final double EPS = 1e-12;

  private static JsonObject entry(String id, String... models) {
    JsonArray m = new JsonArray();
    for (String s : models) {
      m.add(s);
    }
    return new JsonObject().put("id", id).put("type", "openai-compatible").put("privacy", "cloud").put("models", m);
  }

  private static BackendDescriptor descriptor(JsonObject entry) {
    return new BackendConfig(entry, Map.of()).descriptor("test", Set.of(Capability.CHAT), Privacy.CLOUD, 8);
  }

  @Test
  void descriptorsCarryTheBooksPricesAndBothPriceARequestAlike() throws Exception {
    JsonObject table = PriceTable.read(PROJECT.resolve("conf/prices.yaml"));
    JsonObject openai = entry("openai", "gpt-4o-mini", "gpt-4.1", "not-in-the-table");
    JsonObject runpod = entry("runpod", "Qwen/Qwen2.5-7B-Instruct");
    JsonObject unknown = entry("mystery", "x");
    JsonObject own = entry("openai-own", "gpt-4o-mini").put("prices", new JsonObject()
      .put("gpt-4o-mini", new JsonObject().put("input_per_mtok", 7.0).put("output_per_mtok", 9.0)));
    JsonArray backends = new JsonArray().add(openai).add(runpod).add(unknown).add(own);
    PriceBook book = PriceTable.book(table, backends);
    PriceTable.fill(backends, book);

    assertEquals(book.pricesFor("openai", "gpt-4o-mini"), descriptor(openai).pricesFor("gpt-4o-mini"));
    assertEquals(0.15, descriptor(openai).pricesFor("gpt-4o-mini").inputPerMTok(), EPS);
    assertEquals(book.pricesFor("openai", "gpt-4.1"), descriptor(openai).pricesFor("gpt-4.1"));
    assertFalse(openai.getJsonObject("prices").containsKey("not-in-the-table"));
    assertTrue(descriptor(runpod).pricesFor("Qwen/Qwen2.5-7B-Instruct").perRequest() > 0, "GPU-hours as a per-request figure");
    assertEquals(book.pricesFor("runpod", "anything"), descriptor(runpod).pricesFor("anything"));
    assertFalse(unknown.containsKey("prices"), "a backend the table does not know keeps no prices");
    assertEquals(7.0, own.getJsonObject("prices").getJsonObject("gpt-4o-mini").getDouble("input_per_mtok"), "conf's own prices stay");
    assertTrue(book.knows("openai-own", "gpt-4o-mini"), "and the ledger prices with them");
    assertEquals(7.0 * 100 / 1e6 + 9.0 * 10 / 1e6, book.cost("openai-own", "gpt-4o-mini", 100, 10, 0, 0, 1), EPS);

    // One request: the router's estimate (descriptor) and the ledger's cost (book) of the same amounts agree.
    ChatRequest chat = ChatRequest.fromJson(new JsonObject().put("model", "gpt-4o-mini").put("max_tokens", 40)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "Name three rivers in France."))));
    RequestSize size = new CostEstimator(256).chat(chat);
    double estimate = CostEstimator.estimate(descriptor(openai), "gpt-4o-mini", Capability.CHAT, size);
    assertEquals(book.estimate("openai", "gpt-4o-mini", size.inputTokens(), size.outputTokens(), 0, 0), estimate, EPS);
    assertEquals(book.cost("openai", "gpt-4o-mini", size.inputTokens(), size.outputTokens(), 0, 0, 0.5), estimate, EPS);
  }

  @Test
  void usageAndAuthSettings() {
    assertEquals(UsageSettings.OFF.enabled(), UsageSettings.of(new JsonObject(), Map.of()).enabled(), "no usage section: off");
    UsageSettings on = UsageSettings.of(new JsonObject().put("usage", new JsonObject()), Map.of());
    assertTrue(on.enabled() && on.durableAnswers() && on.localLedger() && !on.requireKeys());
    assertEquals(2000, on.recordTimeoutMs());
    JsonObject conf = new JsonObject().put("usage", new JsonObject().put("durable_answers", false))
      .put("auth", new JsonObject().put("require_keys", false));
    assertTrue(UsageSettings.of(conf, Map.of("SWITCHBOARD_REQUIRE_KEYS", "true")).requireKeys(), "the environment wins");
    assertFalse(UsageSettings.of(conf, Map.of()).durableAnswers());
    assertEquals(UsageSettings.of(conf, Map.of()), UsageSettings.fromJson(UsageSettings.of(conf, Map.of()).toJson()));
    IllegalArgumentException bad = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
      () -> UsageSettings.of(new JsonObject().put("usage", new JsonObject().put("durable_answers", "yes")), Map.of()));
    assertTrue(bad.getMessage().contains("usage.durable_answers"), bad.getMessage());
  }
}
