package io.switchboard.llm.runpod;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.Usage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.pointer.JsonPointer;

/**
 * Reads text and usage out of a custom worker's output by conf JSON pointers. What the pointer finds: a string is
 * the text; an array of strings is joined (RunPod's vLLM worker streams {@code "tokens":["Hel","lo"]} and many
 * workers return {@code "text":["..."]}); a number or boolean is printed. An object or a mixed array is not text: the
 * pointer is wrong for this worker, which is an upstream (configuration) fault, said with the pointer.
 */
final class JobOutput {

  private JobOutput() {
  }

  /** The text at {@code pointer}, or null when nothing is there. */
  static String text(JsonObject root, String pointer) {
    Object v = JsonPointer.from(pointer).queryJson(root);
    if (v == null) {
      return null;
    }
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof Number || v instanceof Boolean) {
      return String.valueOf(v);
    }
    if (v instanceof JsonArray a && a.stream().allMatch(x -> x instanceof String)) {
      StringBuilder sb = new StringBuilder();
      a.forEach(x -> sb.append((String) x));
      return sb.toString();
    }
    throw new MeshException(ErrorCode.UPSTREAM, "runpod output at " + pointer + " is not text but "
      + (v instanceof JsonObject ? "an object" : "an array") + "; set output_pointer/stream_pointer for this worker");
  }

  /**
   * Usage from the object at {@code pointer} (OpenAI's, Anthropic's or RunPod vLLM's field names), or estimated at four
   * characters a token when the worker reports none.
   */
  static Usage usage(JsonObject job, String pointer, long estimatedPrompt, String answer) {
    Object u = pointer == null ? null : JsonPointer.from(pointer).queryJson(job);
    if (u instanceof JsonObject o) {
      long prompt = first(o, "prompt_tokens", "input_tokens", "input");
      long completion = first(o, "completion_tokens", "output_tokens", "output");
      if (prompt >= 0 && completion >= 0) {
        return new Usage(prompt, completion);
      }
    }
    return Usage.estimate(estimatedPrompt, answer.length());
  }

  private static long first(JsonObject o, String... names) {
    for (String n : names) {
      if (o.getValue(n) instanceof Number num) {
        return num.longValue();
      }
    }
    return -1;
  }
}
