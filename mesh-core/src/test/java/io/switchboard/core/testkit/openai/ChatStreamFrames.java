package io.switchboard.core.testkit.openai;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.AbstractList;
import java.util.List;

/**
 * The SSE frames of one scripted chat stream, made as they are written (a long stream costs no memory up front):
 * the role chunk, the content chunks, the finish chunk, the usage chunk when asked for, {@code data: [DONE]}. With
 * a cut, the frame at the cut is {@link #CUT} and the list ends there.
 */
final class ChatStreamFrames extends AbstractList<Buffer> {

  /** Marks where the server closes the connection instead of writing. */
  static final Buffer CUT = Buffer.buffer("<cut>");
  private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");

  private final String id;
  private final String model;
  private final List<String> pieces;
  private final JsonObject usage;
  private final Behaviour behaviour;
  private final boolean usageAsked;
  private final int size;

  ChatStreamFrames(String id, String model, List<String> pieces, JsonObject request, JsonObject usage, Behaviour behaviour) {
    this.id = id;
    this.model = model;
    this.pieces = pieces;
    this.usage = usage;
    this.behaviour = behaviour;
    this.usageAsked = request.getJsonObject("stream_options", new JsonObject()).getBoolean("include_usage", false);
    if (behaviour.cutAfter >= 0) {
      this.size = 1 + Math.min(behaviour.cutAfter, pieces.size()) + 1;
    } else {
      this.size = 1 + pieces.size() + 1 + (usageAsked && behaviour.usage ? 1 : 0) + 1;
    }
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public Buffer get(int i) {
    if (i == 0) {
      return FakeReplies.sse(FakeReplies.chunk(id, model,
        new JsonObject().put("role", "assistant").put("content", "").putNull("refusal"), null, usageAsked));
    }
    int content = i - 1;
    if (behaviour.cutAfter >= 0 && content == Math.min(behaviour.cutAfter, pieces.size())) {
      return CUT;
    }
    if (content < pieces.size()) {
      return FakeReplies.sse(FakeReplies.chunk(id, model, new JsonObject().put("content", pieces.get(content)), null, usageAsked));
    }
    int tail = content - pieces.size();
    if (tail == 0) {
      return FakeReplies.sse(FakeReplies.chunk(id, model, new JsonObject(), behaviour.finishReason, usageAsked));
    }
    if (tail == 1 && usageAsked && behaviour.usage) {
      return FakeReplies.sse(FakeReplies.usageChunk(id, model, usage));
    }
    return DONE;
  }
}
