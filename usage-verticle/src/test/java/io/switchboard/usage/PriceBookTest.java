package io.switchboard.usage;

import io.switchboard.api.PriceBook;
import io.switchboard.api.Prices;
import io.switchboard.api.UsageRecord;
import io.switchboard.core.config.PriceTable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped conf/prices.yaml through PriceBook: lookups, costs by every unit, GPU-hours and electricity. */
class PriceBookTest {

  private static final double EPS = 1e-12;
  private static PriceBook book;

  @TempDir
  Path dir;

  @BeforeAll
  static void load() throws Exception {
    book = PriceTable.load(Path.of(System.getProperty("switchboard.project.dir", ".."), "conf", "prices.yaml"));
  }

  @Test
  void everyDefaultModelHasAPriceAndADate() {
    assertEquals("2025-06-01", book.readOn());
    String[][] models = {
      {"openai", "gpt-4o"}, {"openai", "gpt-4o-mini"}, {"openai", "gpt-4.1"}, {"openai", "gpt-4.1-mini"}, {"openai", "o4-mini"},
      {"openai", "whisper-1"}, {"openai", "gpt-4o-transcribe"}, {"openai", "gpt-4o-mini-transcribe"}, {"openai", "tts-1"},
      {"openai", "tts-1-hd"}, {"openai", "text-embedding-3-small"}, {"openai", "text-embedding-3-large"},
      {"anthropic", "claude-sonnet-4"}, {"anthropic", "claude-3-5-haiku"}, {"gemini", "gemini-2.0-flash"},
      {"gemini", "gemini-2.5-flash"}, {"gemini", "gemini-2.5-pro"}, {"openrouter", "openai/gpt-4o-mini"},
      {"elevenlabs", "eleven_flash_v2_5"}, {"runpod", "any-model"}, {"local-whisper", "whisper-base"}};
    for (String[] m : models) {
      assertTrue(book.knows(m[0], m[1]), m[0] + "/" + m[1]);
    }
    assertFalse(book.knows("openai", "gpt-9-ultra"), "an unknown model is not priced by a neighbour");
    assertFalse(book.knows("mystery-cloud", "gpt-4o"));
    assertEquals(Prices.FREE, book.pricesFor("mystery-cloud", "gpt-4o"));
  }

  @Test
  void costsByTokenMinuteAndCharacter() {
    assertEquals(1000 * 2.50 / 1e6 + 500 * 10.00 / 1e6, book.cost("openai", "gpt-4o", 1000, 500, 0, 0, 3), EPS);
    assertEquals(0.009, book.cost("openai", "whisper-1", 0, 0, 90, 0, 12), EPS);
    assertEquals(0.015, book.cost("openai", "tts-1", 0, 0, 0, 1000, 2), EPS);
    assertEquals(0.030 * 2.5, book.cost("openai", "tts-1-hd", 0, 0, 0, 2500, 2), EPS);
    assertEquals(0.02, book.cost("openai", "text-embedding-3-small", 1_000_000, 0, 0, 0, 1), EPS);
    // Dated snapshots and variants find their family by the longest listed prefix.
    assertEquals(book.pricesFor("openai", "gpt-4o-mini"), book.pricesFor("openai", "gpt-4o-mini-2024-07-18"));
    assertEquals(book.pricesFor("openai", "gpt-4o"), book.pricesFor("openai", "gpt-4o-2024-08-06"));
    assertEquals(book.pricesFor("anthropic", "claude-3-5-haiku"), book.pricesFor("anthropic", "claude-3-5-haiku-20241022"));
    // A backend id that starts with a provider's name takes its prices.
    assertEquals(book.pricesFor("openai", "tts-1"), book.pricesFor("openai-speech", "tts-1"));
    assertEquals(0, book.cost("local-whisper", "whisper-base", 0, 0, 600, 0, 30), EPS);
  }

  @Test
  void gpuHoursBecomeAPerRequestCostFromTheMeasuredDuration() {
    assertEquals(0.69 * 10 / 3600, book.cost("runpod", "llama-3.1-8b", 500, 200, 0, 0, 10), EPS);
    UsageRecord r = UsageRecord.builder("r1").backend("runpod-vllm").model("llama-3.1-8b").latencyMs(7200).build();
    assertEquals(0.69 * 7.2 / 3600, book.cost(r), EPS);
    // Before any measurement the estimate assumes est_seconds (2 s); measured durations then move it.
    assertEquals(0.69 * 2 / 3600, book.pricesFor("runpod-whisper", "x").perRequest(), EPS);
    for (int i = 0; i < 200; i++) {
      book.observe("runpod-whisper", 6);
    }
    assertEquals(0.69 * 6 / 3600, book.estimate("runpod-whisper", "x", 0, 0, 0, 0), 1e-9);
  }

  @Test
  void electricityOfALocalBackendWhenConfigured() throws Exception {
    Path yaml = dir.resolve("prices.yaml");
    Files.writeString(yaml, "read_on: \"2026-01-01\"\nproviders:\n  local:\n    \"*\": {watts: 100, usd_per_kwh: 0.30}\n");
    PriceBook own = PriceTable.load(yaml);
    // 100 W for one hour = 0.1 kWh = $0.03.
    assertEquals(0.03, own.cost("local", "jlama", 10, 10, 0, 0, 3600), EPS);
    assertEquals(0.03, own.cost("local-whisper", "tiny", 0, 0, 60, 0, 3600), EPS);
  }

  @Test
  void aMistakeInThePriceFileIsNamed() throws Exception {
    Path yaml = dir.resolve("bad.yaml");
    Files.writeString(yaml, "providers:\n  openai:\n    gpt-4o: {input_per_mtok: 2.5, ouput_per_mtok: 10}\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PriceTable.load(yaml));
    assertTrue(e.getMessage().contains("ouput_per_mtok") && e.getMessage().contains("openai.gpt-4o"), e.getMessage());
    Files.writeString(yaml, "providers:\n  openai:\n    gpt-4o: {input_per_mtok: -1}\n");
    e = assertThrows(IllegalArgumentException.class, () -> PriceTable.load(yaml));
    assertTrue(e.getMessage().contains("input_per_mtok"), e.getMessage());
  }
}
