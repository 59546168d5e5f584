package io.switchboard.api;

import io.vertx.core.json.JsonObject;

/**
 * The pulled stream protocol of the bus (chat tokens, speech audio). It needs no per-request registration in
 * the cluster: every hop is a reply, and replies travel node to node.
 *
 * <ol>
 *   <li>The caller sends the request (for chat, {@code "stream": true}).</li>
 *   <li>The server answers with the first <em>data</em> message, header {@link #HEADER} = {@link #DATA}, and asks
 *       for a reply ({@code replyAndRequest}).</li>
 *   <li>Each reply of the caller is the credit for the next message: body {@link #next()}. The caller may
 *       instead answer {@link #cancel()} (no reply expected) to stop the stream.</li>
 *   <li>The last message has header {@link #HEADER} = {@link #END} and is a plain reply; its body carries the
 *       usage ({@code {"chunks":[...],"usage":{...}}} for chat).</li>
 *   <li>A failure at any point is a failed reply ({@code ReplyException} / {@link MeshException}); after content
 *       was delivered it still ends the stream as an error, never as a clean end.</li>
 * </ol>
 * Chat data bodies are {@code {"chunks":[<chat.completion.chunk>, ...]}} (a server may batch several chunks in
 * one message); speech data bodies are raw audio {@code Buffer}s.
 */
public final class StreamProtocol {

  public static final String HEADER = Headers.STREAM;
  public static final String DATA = "data";
  public static final String END = "end";

  /** Body field of chat stream messages: an array of OpenAI {@code chat.completion.chunk} objects. */
  public static final String CHUNKS = "chunks";
  /** Body field of the end message: OpenAI usage. */
  public static final String USAGE = "usage";
  /** Body field (first message, non-streamed replies): which backend served and why, see {@link RouteInfo}. */
  public static final String ROUTE = "switchboard";

  private StreamProtocol() {
  }

  public static JsonObject next() {
    return new JsonObject().put("op", "next");
  }

  public static JsonObject cancel() {
    return new JsonObject().put("op", "cancel");
  }

  /** True when a caller's reply asks to stop the stream. */
  public static boolean isCancel(Object body) {
    return body instanceof JsonObject json && "cancel".equals(json.getString("op"));
  }
}
