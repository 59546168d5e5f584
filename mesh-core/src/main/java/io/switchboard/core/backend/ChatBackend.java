package io.switchboard.core.backend;

import io.switchboard.api.ChatRequest;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** A backend that completes chats. */
public interface ChatBackend extends Backend {

  /**
   * A whole answer: OpenAI's {@code chat.completion} object, with {@code usage}. A new object each time, kept by nobody
   * else: it goes to the router uncopied ({@link io.switchboard.api.JsonHandOver}), which adds its fields to it.
   */
  Future<JsonObject> chat(ChatRequest request, CallContext context);

  /**
   * A streamed answer: OpenAI {@code chat.completion.chunk} objects written to the pipe, ended with the trailer
   * {@code {"usage":{...}}}. A failure before the first chunk lets the router try another backend; a failure after
   * it must {@link ChunkPipe#fail(Throwable)} the pipe, never end it cleanly. Stop producing when the pipe is cancelled.
   * The chunks and the trailer are not changed once written: they go to the router uncopied.
   */
  ChunkPipe<JsonObject> chatStream(ChatRequest request, CallContext context);
}
