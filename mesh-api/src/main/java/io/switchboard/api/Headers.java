package io.switchboard.api;

import io.vertx.core.eventbus.DeliveryOptions;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Every header of the contract: bus message headers and the HTTP {@code x-switchboard-*} headers. Headers carry what
 * is not part of the OpenAI-shaped body: which operation a backend should run, the request's identity and key, the
 * route taken, stream control, and the policy hints an HTTP caller may send as headers instead of body fields.
 */
public final class Headers {

  /** On messages to {@code switchboard.backend.<id>}: the operation, one of the {@code OP_*} values. */
  public static final String OP = "x-switchboard-op";
  public static final String OP_CHAT = "chat";
  public static final String OP_EMBED = "embed";
  public static final String OP_TRANSCRIBE = "transcribe";
  public static final String OP_SPEECH = "speech";
  public static final String OP_HEALTH = "health";
  /** Opens a realtime session ({@link RealtimeRequest}); see {@link RealtimeProtocol}. */
  public static final String OP_REALTIME = "realtime";

  /** Request id; the router makes one when the caller sends none. */
  public static final String REQUEST_ID = "x-request-id";
  /** Id (never the secret) of the API key the request came with. */
  public static final String KEY_ID = "x-switchboard-key-id";
  /** Absolute deadline, epoch milliseconds; backends give up after it. */
  public static final String DEADLINE = "x-switchboard-deadline";
  /** Bus: a caller without HTTP may send the plaintext API key here; the router verifies it and never forwards it. */
  public static final String API_KEY = "x-switchboard-api-key";
  /**
   * Bus, web verticle to router: the most the caller's API key allows its data to travel (a privacy class); the
   * request's own {@code privacy} is capped by it. A value that is not a privacy class counts as {@code local}.
   */
  public static final String KEY_PRIVACY = "x-switchboard-key-privacy";
  /** Router replies and HTTP responses: the backend that served. */
  public static final String BACKEND = "x-switchboard-backend";
  /**
   * Router replies (the {@link RouteInfo} as JSON) and HTTP responses (its one-line form, {@link RouteInfo#toHeader}):
   * who served and what was skipped, and why.
   */
  public static final String ROUTE = "x-switchboard-route";
  /** Transcription requests on the bus: the parameters as JSON ({@link TranscriptionRequest#PARAMS_HEADER}). */
  public static final String PARAMS = "x-switchboard-params";
  /** Stream messages: {@code data} or {@code end} ({@link StreamProtocol#HEADER}). */
  public static final String STREAM = "x-switchboard-stream";

  /**
   * HTTP responses and router replies: the CIDs of the request's input and output ({@link ArtifactRefs#toHeader});
   * on a streamed HTTP answer an HTTP trailer (the output's CID is known at its end).
   */
  public static final String ARTIFACTS = "x-switchboard-artifacts";
  /** HTTP responses and router replies: how the exact cache took part, a {@link CacheStatus} wire name. */
  public static final String CACHE = "x-switchboard-cache";

  /** Bus requests to an entry point: {@code no-store} skips the exact cache, as the HTTP header does. */
  public static final String CACHE_CONTROL = "cache-control";
  /**
   * Bus, web verticle to the router of its own node: the one-time token under which the web left the DAG of a
   * transcription upload it hashed as the bytes arrived (so the router need not hash them again).
   */
  public static final String UPLOAD_TOKEN = "x-switchboard-upload";
  /**
   * Bus requests to an entry point: with {@link #REPLY_BYTES}, a whole answer served from the exact cache comes as the
   * bytes of its JSON body (a {@code Buffer}, without the mesh's {@code switchboard}, {@code cache} and
   * {@code artifacts} fields, which the reply's headers carry) instead of a JSON object. The HTTP edge asks for it and
   * writes them as they are; any other answer is unchanged.
   */
  public static final String REPLY_FORM = "x-switchboard-reply-form";
  /** The value of {@link #REPLY_FORM} that asks for a cached whole answer's bytes. */
  public static final String REPLY_BYTES = "bytes";
  /**
   * On a request to the router from a caller on the same node that registered {@link JsonHandOver}: a whole answer's
   * JSON object comes as the router's own object, uncopied ({@link #HAND_OVER_JSON}); the caller owns it. The web
   * verticle asks for it. Without it, Vert.x's own codec (a copy locally) as always.
   */
  public static final String HAND_OVER = "x-switchboard-hand-over";
  /** The value of {@link #HAND_OVER} that asks for a whole answer's JSON object uncopied. */
  public static final String HAND_OVER_JSON = "json";

  /** HTTP request header for the {@link RouteHints#PRIVACY} hint (the body field wins when both are sent). */
  public static final String HINT_PRIVACY = "x-switchboard-privacy";
  /** HTTP request header for the {@link RouteHints#STRATEGY} hint. */
  public static final String HINT_STRATEGY = "x-switchboard-strategy";
  /** HTTP request header for the {@link RouteHints#PROVIDER} hint. */
  public static final String HINT_PROVIDER = "x-switchboard-provider";
  /** HTTP request header for the {@link RouteHints#MAX_COST} hint (US dollars). */
  public static final String HINT_MAX_COST = "x-switchboard-max-cost";
  /** HTTP request header for the {@link RouteHints#TIMEOUT_MS} hint. */
  public static final String HINT_TIMEOUT_MS = "x-switchboard-timeout-ms";

  /**
   * Bus replies of {@code switchboard.usage.query}'s paged export: on a full page, the time (epoch ms) and request id
   * of its last record, which the next page starts after.
   */
  public static final String EXPORT_NEXT_MS = "x-switchboard-next-ms";
  public static final String EXPORT_NEXT_ID = "x-switchboard-next-id";
  /** Bus reply of a full export page whose read the usage verticle keeps open: its name, sent back as {@code cursor}. */
  public static final String EXPORT_CURSOR = "x-switchboard-cursor";

  private static final HexFormat HEX = HexFormat.of();

  private Headers() {
  }

  /**
   * Delivery options of a request to a backend ({@link Addresses#backend} or {@link Addresses#instance}): the
   * operation, the absolute deadline, the request id and the API key's id when known, and a send timeout that ends at
   * the deadline ({@code nowMs} is the caller's clock, at least 1 ms).
   */
  public static DeliveryOptions toBackend(String op, String requestId, String keyId, long deadlineMs, long nowMs) {
    DeliveryOptions o = new DeliveryOptions().addHeader(OP, op).addHeader(DEADLINE, Long.toString(deadlineMs))
      .setSendTimeout(Math.max(1, deadlineMs - nowMs));
    if (requestId != null) {
      o.addHeader(REQUEST_ID, requestId);
    }
    if (keyId != null) {
      o.addHeader(KEY_ID, keyId);
    }
    return o;
  }

  /**
   * A new request id, {@code req_} and 24 hex digits (96 random bits). Ids name requests in logs, headers and the
   * ledger; they are not secrets, so they come from {@link ThreadLocalRandom}, not from the
   * {@link java.security.SecureRandom} behind {@code UUID.randomUUID()}, which costs a system call on every other id.
   */
  public static String newRequestId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return "req_" + HEX.toHexDigits(r.nextLong()) + HEX.toHexDigits(r.nextInt());
  }
}
