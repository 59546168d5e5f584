package io.switchboard.core.testkit.openai;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * What {@link FakeOpenAiServer} does with one request: a fluent script. Start from a factory ({@link #reply},
 * {@link #error}, {@link #raw}, {@link #refuse}, {@link #hang}, {@link #sse}) and adjust with the setters.
 * Do not change a behaviour after handing it to the server.
 *
 * <p>Delays, errors, refusal and extra headers apply to every endpoint; the reply text, chunking, cut and usage
 * apply to chat; {@link #dims} to embeddings.
 */
public final class Behaviour {

  public static final String DEFAULT_TEXT = "Hello from the fake OpenAI server.";

  String text = DEFAULT_TEXT;
  int chunks;
  long headerDelayMs;
  long chunkDelayMs;
  int status;
  JsonObject errorBody;
  String rawBody;
  String rawContentType;
  final MultiMap headers = MultiMap.caseInsensitiveMultiMap();
  int cutAfter = -1;
  boolean refuse;
  boolean hang;
  boolean usage = true;
  String finishReason = "stop";
  List<String> sseFrames;
  int dims = 8;

  private Behaviour() {
  }

  /** A successful answer with {@code text}; streamed one word per chunk unless {@link #chunks(int)} says otherwise. */
  public static Behaviour reply(String text) {
    Behaviour b = new Behaviour();
    b.text = text;
    return b;
  }

  /**
   * An OpenAI error reply: {@code {"error":{"message","type","param","code"}}} with the given status. The
   * placeholder {@code {key}} in {@code message} is replaced by the bearer token the request carried (to test that
   * adapters redact echoed keys).
   */
  public static Behaviour error(int status, String type, String message, String param, String code) {
    Behaviour b = new Behaviour();
    b.status = status;
    b.errorBody = new JsonObject().put("error", new JsonObject()
      .put("message", message).put("type", type).put("param", param).put("code", code));
    return b;
  }

  /** An OpenAI error reply with the type and code OpenAI uses for {@code status}. */
  public static Behaviour error(int status, String message) {
    return switch (status) {
      case 401 -> error(status, "invalid_request_error", message, null, "invalid_api_key");
      case 404 -> error(status, "invalid_request_error", message, "model", "model_not_found");
      case 429 -> error(status, "requests", message, null, "rate_limit_exceeded");
      default -> error(status, status >= 500 ? "server_error" : "invalid_request_error", message, null, null);
    };
  }

  /**
   * A reply with exactly this status, content type and body (the {@code {key}} placeholder applies): an HTML page
   * from a proxy, plain text, a foreign error shape, or a 200 that is not what OpenAI would send.
   */
  public static Behaviour raw(int status, String contentType, String body) {
    Behaviour b = new Behaviour();
    b.status = status;
    b.rawBody = body;
    b.rawContentType = contentType;
    return b;
  }

  /** Closes the connection as soon as the request arrives, with no response at all. */
  public static Behaviour refuse() {
    Behaviour b = new Behaviour();
    b.refuse = true;
    return b;
  }

  /** Never answers: the request stays open until the client gives up or the server closes. */
  public static Behaviour hang() {
    Behaviour b = new Behaviour();
    b.hang = true;
    return b;
  }

  /**
   * A {@code text/event-stream} reply written verbatim, one frame per write ({@link #chunkDelayMs} apart): for
   * framing edge cases, malformed chunks, mid-stream error events, a stream without {@code [DONE]}. Nothing is added.
   */
  public static Behaviour sse(String... frames) {
    Behaviour b = new Behaviour();
    b.sseFrames = List.of(frames);
    return b;
  }

  /** Streams the text in {@code n} pieces of near-equal length (0: one word per piece). */
  public Behaviour chunks(int n) {
    this.chunks = n;
    return this;
  }

  /** Waits this long before sending the response headers. */
  public Behaviour headerDelayMs(long ms) {
    this.headerDelayMs = ms;
    return this;
  }

  /** Waits this long between stream chunks (and between raw SSE frames). */
  public Behaviour chunkDelayMs(long ms) {
    this.chunkDelayMs = ms;
    return this;
  }

  /** Adds a response header. */
  public Behaviour header(String name, String value) {
    headers.add(name, value);
    return this;
  }

  /** Adds {@code Retry-After} (seconds or an HTTP-date). */
  public Behaviour retryAfter(String value) {
    return header("Retry-After", value);
  }

  /** Closes the connection after {@code k} content chunks, without the finish chunk or {@code [DONE]}. */
  public Behaviour cutAfter(int k) {
    this.cutAfter = k;
    return this;
  }

  /** Whether usage is reported (in streams only when the request asked with {@code stream_options.include_usage}). */
  public Behaviour usage(boolean include) {
    this.usage = include;
    return this;
  }

  public Behaviour finishReason(String reason) {
    this.finishReason = reason;
    return this;
  }

  /** Embedding size when the request gives no {@code dimensions} (default 8). */
  public Behaviour dims(int n) {
    this.dims = n;
    return this;
  }
}
