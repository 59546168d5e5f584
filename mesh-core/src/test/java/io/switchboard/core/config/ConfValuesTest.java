package io.switchboard.core.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfValuesTest {

  private static JsonObject conf(String json) {
    return new JsonObject("{\"v\": " + json + "}");
  }

  @Test
  void aMissingKeyIsTheDefault() {
    JsonObject empty = new JsonObject();
    assertEquals(7, ConfValues.positive(empty, "v", 7, "x"));
    assertEquals(0, ConfValues.nonNegative(empty, "v", 0, "x"));
    assertEquals(0.25, ConfValues.fraction(empty, "v", 0.25, "x"));
    assertTrue(ConfValues.bool(empty, "v", true, "x"));
  }

  @Test
  void aValidValueIsRead() {
    assertEquals(3, ConfValues.positive(conf("3"), "v", 7, "x"));
    assertEquals(2, ConfValues.positive(conf("2.9"), "v", 7, "x")); // cut, as the router always read it
    assertEquals(0, ConfValues.nonNegative(conf("0"), "v", 5, "x"));
    assertEquals(1.0, ConfValues.fraction(conf("1"), "v", 0.5, "x"));
    assertEquals(0.0, ConfValues.fraction(conf("0"), "v", 0.5, "x"));
    assertFalse(ConfValues.bool(conf("false"), "v", true, "x"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "positive    | 0       | router.breaker.v must be a positive integer",
    "positive    | -1      | router.breaker.v must be a positive integer",
    "positive    | \"5\"   | router.breaker.v must be a positive integer",
    "nonNegative | -1      | router.breaker.v must be a non-negative integer",
    "nonNegative | true    | router.breaker.v must be a non-negative integer",
    "fraction    | 1.5     | router.breaker.v must be a number between 0 and 1",
    "fraction    | -0.1    | router.breaker.v must be a number between 0 and 1",
    "bool        | \"yes\" | router.breaker.v must be true or false",
    "bool        | 1       | router.breaker.v must be true or false",
  })
  void aWrongValueNamesItsPath(String reader, String value, String message) {
    JsonObject json = conf(value);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
      switch (reader) {
        case "positive" -> ConfValues.positive(json, "v", 1, "router.breaker");
        case "nonNegative" -> ConfValues.nonNegative(json, "v", 1, "router.breaker");
        case "fraction" -> ConfValues.fraction(json, "v", 0.5, "router.breaker");
        default -> ConfValues.bool(json, "v", true, "router.breaker");
      }
    });
    assertEquals(message, e.getMessage());
  }

  @Test
  void aPathIsAbsoluteWithTheHomeForATilde() {
    String home = System.getProperty("user.home");
    assertEquals(Path.of(home, ".cache", "x"), ConfValues.path(" ~/.cache/x "));
    assertEquals(Path.of(home), ConfValues.path("~"));
    assertEquals(Path.of("/var/lib/x"), ConfValues.path("/var/lib/x"));
    assertEquals(Path.of("~x").toAbsolutePath(), ConfValues.path("~x")); // another user's home is not expanded
    assertTrue(ConfValues.path("data").isAbsolute());
  }
}
