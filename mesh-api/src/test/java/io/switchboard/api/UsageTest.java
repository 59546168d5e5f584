package io.switchboard.api;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Token counts read from upstreams in either naming, and estimated where no one counted them. */
class UsageTest {

  @Test
  void eitherNamingIsRead() {
    assertEquals(new Usage(3, 5), Usage.fromJson(new JsonObject().put("prompt_tokens", 3).put("completion_tokens", 5)));
    assertEquals(new Usage(3, 5), Usage.fromJson(new JsonObject().put("input_tokens", 3).put("output_tokens", 5)));
  }

  @Test
  void aMalformedUsageCountsAsZeroInsteadOfFailing() {
    assertEquals(Usage.ZERO, Usage.fromJson(null));
    assertEquals(new Usage(0, 7), Usage.fromJson(new JsonObject().put("input_tokens", "many").put("output_tokens", 7)));
    assertEquals(new Usage(0, 0), Usage.fromJson(new JsonObject().put("input_tokens", -2).put("output_tokens", new JsonObject())));
  }

  @Test
  void anUncountedAnswerIsFourCharactersATokenRoundedUp() {
    assertEquals(new Usage(10, 0), Usage.estimate(10, 0));
    assertEquals(new Usage(10, 1), Usage.estimate(10, 1));
    assertEquals(new Usage(10, 2), Usage.estimate(10, 8));
    assertEquals(new Usage(10, 3), Usage.estimate(10, 9));
  }

  @Test
  void twoAnswersAddUpAndAVoiceClientReadsInputAndOutput() {
    Usage both = new Usage(10, 4).plus(new Usage(12, 6));
    assertEquals(new Usage(22, 10), both);
    assertEquals(new JsonObject().put("input_tokens", 22L).put("output_tokens", 10L), both.toInputOutputJson());
  }
}
