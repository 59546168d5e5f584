package io.switchboard.llm.runpod;

/*
 * RunPod documents only that a job body is {"input": {...}} and that the worker's handler reads what it wants from
 * it; the shape is the operator's, so this covers the conf template that builds it, and the output/usage pointers
 * over documented output shapes ("output": "text", "output": {"text": [...]}, vLLM's "tokens" lists).
 */

import io.switchboard.api.ChatRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.Usage;
import io.switchboard.llm.cli.PromptFormat;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class InputTemplateTest {

  private static final ChatRequest REQUEST = ChatRequest.fromJson(new JsonObject().put("model", "m1").put("max_tokens", 7)
    .put("stop", new JsonArray().add("###")).put("seed", 3).put("messages", new JsonArray()
      .add(new JsonObject().put("role", "system").put("content", "Be kind."))
      .add(new JsonObject().put("role", "user").put("content", "Hi \"there\" $(x)"))));

  @Test
  void placeholdersKeepTheirTypesAndUnsetOnesDisappear() {
    JsonObject template = new JsonObject()
      .put("prompt", "{prompt}").put("model", "{model}").put("fixed", "as written").put("n", 1)
      .put("params", new JsonObject().put("max_new_tokens", "{max_tokens}").put("temperature", "{temperature}")
        .put("stop", "{stop}").put("seed", "{seed}").put("stream", "{stream}"))
      .put("list", new JsonArray().add("{model}").add("{top_p}"))
      .put("chat", "{messages}");
    JsonObject input = InputTemplate.render(template, REQUEST, PromptFormat.TRANSCRIPT);
    assertEquals("System: Be kind.\n\nUser: Hi \"there\" $(x)\n\nAssistant:", input.getString("prompt"));
    assertEquals("m1", input.getString("model"));
    assertEquals("as written", input.getString("fixed"));
    assertEquals(1, input.getInteger("n"));
    assertEquals(new JsonObject().put("max_new_tokens", 7).put("stop", new JsonArray().add("###")).put("seed", 3L).put("stream", false),
      input.getJsonObject("params"), "temperature is unset, so its field is gone");
    assertEquals(new JsonArray().add("m1").addNull(), input.getJsonArray("list"));
    assertEquals("Be kind.", input.getJsonArray("chat").getJsonObject(0).getString("content"));
  }

  @Test
  void defaultTemplateWithLastUser() {
    JsonObject input = InputTemplate.render(RunPodSettings.defaultInput(), REQUEST, PromptFormat.LAST_USER);
    assertEquals(new JsonObject().put("prompt", "Hi \"there\" $(x)").put("max_tokens", 7), input);
  }

  @Test
  void outputPointersReadTheDocumentedShapes() {
    assertEquals("hi", JobOutput.text(new JsonObject().put("output", "hi"), "/output"));
    JsonObject textList = new JsonObject().put("output", new JsonObject().put("text", new JsonArray().add("Hello! ").add("Bye")));
    assertEquals("Hello! Bye", JobOutput.text(textList, "/output/text"));
    assertNull(JobOutput.text(new JsonObject(), "/output"));
    MeshException wrong = assertThrows(MeshException.class, () -> JobOutput.text(textList, "/output"));
    assertEquals(ErrorCode.UPSTREAM, wrong.errorCode());

    JsonObject job = new JsonObject().put("output", new JsonObject().put("input_tokens", 22).put("output_tokens", 16));
    assertEquals(22, JobOutput.usage(job, "/output", 99, "x").promptTokens());
    assertEquals(16, JobOutput.usage(job, "/output", 99, "x").completionTokens());
    assertEquals(99, JobOutput.usage(job, null, 99, "12345678").promptTokens(), "no pointer: estimated");
    assertEquals(2, JobOutput.usage(job, null, 99, "12345678").completionTokens());
    JsonObject vllm = new JsonObject().put("output", new JsonObject().put("usage", new JsonObject().put("input", 5).put("output", 9)));
    assertEquals(new Usage(5, 9), JobOutput.usage(vllm, "/output/usage", 99, "x"), "RunPod vLLM worker's naming");
    JsonObject half = new JsonObject().put("output", new JsonObject().put("input_tokens", 5));
    assertEquals(new Usage(99, 2), JobOutput.usage(half, "/output", 99, "12345678"), "a count missing: estimated, not 0");
  }
}
