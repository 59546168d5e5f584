package io.switchboard.router.usage;

import io.switchboard.api.Capability;
import io.switchboard.api.Prices;
import io.switchboard.router.Finished;
import io.switchboard.router.policy.RequestSize;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The billable amounts of a finished request, capability by capability. */
class AmountsTest {

  private static Finished finished(Capability c, JsonObject usage, RequestSize size, double replySeconds) {
    return Finished.served(new Finished.Asked("r", null, c, size, 0), new Finished.Target("b", "m", null, Prices.FREE),
      new Finished.Answer(usage, -1, false, replySeconds), null, 10, 0);
  }

  @Test
  void chatAndEmbeddingsCountTheUpstreamsTokens() {
    JsonObject openAi = new JsonObject().put("prompt_tokens", 12).put("completion_tokens", 30);
    assertEquals(new UsageMeter.Amounts(12, 30, 0, 0), UsageMeter.Amounts.of(finished(Capability.CHAT, openAi, RequestSize.ZERO, -1)));
    JsonObject anthropicStyle = new JsonObject().put("input_tokens", 7).put("output_tokens", 3);
    assertEquals(new UsageMeter.Amounts(7, 3, 0, 0), UsageMeter.Amounts.of(finished(Capability.CHAT, anthropicStyle, RequestSize.ZERO, -1)));
    assertEquals(new UsageMeter.Amounts(0, 0, 0, 0), UsageMeter.Amounts.of(finished(Capability.EMBED, new JsonObject(), new RequestSize(50, 0, 0, 0), -1)),
      "no usage reported: nothing is made up");
  }

  @Test
  void transcriptionPrefersTheTranscriptsDurationToTheEstimate() {
    RequestSize estimated = new RequestSize(0, 0, 31.5, 0);
    assertEquals(30.25, UsageMeter.Amounts.of(finished(Capability.TRANSCRIBE, new JsonObject(), estimated, 30.25)).audioSeconds());
    assertEquals(31.5, UsageMeter.Amounts.of(finished(Capability.TRANSCRIBE, new JsonObject(), estimated, -1)).audioSeconds());
  }

  @Test
  void speechCountsTheCharactersOfItsInput() {
    UsageMeter.Amounts a = UsageMeter.Amounts.of(finished(Capability.SPEECH, new JsonObject(), new RequestSize(0, 0, 2.0, 30), -1));
    assertEquals(30, a.characters());
    assertEquals(0, a.audioSeconds(), "the estimate of the audio's length is not a measure of it");
  }
}
