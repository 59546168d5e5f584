package io.switchboard.api;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * How a backend id finds its provider and a model its family: the id itself (or the {@code backends} map), then the
 * longest provider followed by {@code -} or {@code _}; the model itself, then the longest listed model followed by
 * {@code -}, then {@code *}.
 */
class PriceBookPrefixTest {

  private static final PriceBook BOOK = PriceBook.fromJson(new JsonObject("""
    {"providers": {
       "open": {"m": {"input_per_mtok": 9}},
       "openai": {"gpt-4o": {"input_per_mtok": 2.5}, "gpt-4o-mini": {"input_per_mtok": 0.15}, "gpt": {"input_per_mtok": 7}},
       "local": {"*": {"input_per_mtok": 0.5}}},
     "backends": {"my-box": "local"}}
    """));

  /** {@code price} -1: the book does not know the pair. */
  @ParameterizedTest(name = "{0} / {1}")
  @CsvSource({
    "openai, gpt-4o, 2.5",
    "openai-east, gpt-4o, 2.5",
    "openai_2, gpt-4o, 2.5",
    "open-x, m, 9",
    "openaix, gpt-4o, -1",
    "openai.east, gpt-4o, -1",
    "opena, gpt-4o, -1",
    "my-box, anything, 0.5",
    "openai, gpt-4o-mini-2024-07-18, 0.15",
    "openai, gpt-4o-2024-08-06, 2.5",
    "openai, gpt-5, 7",
    "openai, gpt-4omni, 7",
    "openai, gpt4o, -1",
    "openai, gpt_4o, -1",
    "openai, gpt, 7"})
  void theLongestNameBeforeASeparatorPrices(String backend, String model, double price) {
    assertEquals(price >= 0, BOOK.knows(backend, model));
    if (price >= 0) {
      assertEquals(price, BOOK.pricesFor(backend, model).inputPerMTok());
    }
  }
}
