package io.switchboard.api;

/**
 * Event-bus addresses of the mesh, all of them, and the names of the cluster-wide maps that two modules must agree on.
 * Any service on the bus, in any language, may send to the entry points; the HTTP API goes through the same addresses.
 * docs/event-bus.md shows what travels on each.
 */
public final class Addresses {

  /** Router entry point for chat completions (streamed or not). */
  public static final String CHAT = "switchboard.chat";
  /** Router entry point for speech-to-text. */
  public static final String TRANSCRIBE = "switchboard.transcribe";
  /** Router entry point for text-to-speech. */
  public static final String SPEECH = "switchboard.speech";
  /** Router entry point for embeddings. */
  public static final String EMBED = "switchboard.embed";

  /**
   * Router entry point for realtime sessions: a {@link RealtimeRequest} opens one on a backend of capability
   * {@code realtime}; the reply names the session's address ({@link RealtimeProtocol}). See docs/event-bus.md.
   */
  public static final String REALTIME = "switchboard.realtime";
  /** Published to every voice node of the cluster: the operators' new {@link VoiceModes}. */
  public static final String VOICE_MODE_UPDATES = "switchboard.voice.mode.updates";
  /**
   * This node's voice mode switch, local only, a request: applies the change before the admin API answers it (the
   * publish on {@link #VOICE_MODE_UPDATES} reaches the others), so a call started after the answer takes it.
   */
  public static final String VOICE_MODE_APPLY = "switchboard.voice.mode.apply";
  /**
   * Cluster-wide map (shared data, not an address) holding the operators' {@link VoiceModes} under key
   * {@link #VOICE_MODE_KEY}, with the change's {@link VoiceModes#VERSION}.
   */
  public static final String VOICE_MODE_MAP = "switchboard.voice.mode";
  /** The key of the operators' {@link VoiceModes} in {@link #VOICE_MODE_MAP}. */
  public static final String VOICE_MODE_KEY = "modes";

  /** Backends publish their descriptor here at start, on every heartbeat, and when leaving. */
  public static final String REGISTRY = "switchboard.registry";
  /** Routers publish here when they start; every backend instance answers by announcing itself at once. */
  public static final String REGISTRY_SYNC = "switchboard.registry.sync";
  /** Request/reply: the router's current live view of the backends. */
  public static final String REGISTRY_VIEW = "switchboard.registry.view";

  /** One usage record per finished request, to the usage verticle. */
  public static final String USAGE = "switchboard.usage";
  /**
   * Within one node only: several usage records in one message ({@link UsageBatch}, passed as objects, never encoded),
   * from the router to its own node's usage verticle; one reply confirms them all. Senders fall back to
   * {@link #USAGE} when no local consumer exists.
   */
  public static final String USAGE_BATCH = "switchboard.usage.batch";
  /**
   * Request/reply to the usage verticle, body {@code {"op": "query"|"export"|"spent"|"status", ...}}: usage totals per
   * group, a CSV export, what a key spent in a period, and the ledger's own state (journal backlog, store health).
   */
  public static final String USAGE_QUERY = "switchboard.usage.query";

  /** Request/reply to the key service, body {@code {"op": "create"|"list"|"get"|"update"|"revoke"|"verify"|"lookup", ...}}. */
  public static final String KEYS = "switchboard.keys";
  /** Published {@code {"id": "k_..."}} when a key is revoked, for anyone who caches keys. */
  public static final String KEYS_REVOKED = "switchboard.keys.revoked";
  /** Published {@code {"id": "k_..."}} when a key's limits change, for anyone who caches keys. */
  public static final String KEYS_UPDATED = "switchboard.keys.updated";
  /**
   * Cluster-wide map (shared data, not an address) of the live key verifiers: instance id to the verifier's own address
   * ({@link #keyVerifier}), where the key service sends each revocation and waits for the ack.
   */
  public static final String KEY_VERIFIERS_MAP = "switchboard.keys.verifiers";

  /** Breaker transitions, published by every router: {@code {"backend","state","failures","router","time"}}. */
  public static final String BREAKER = "switchboard.breaker";
  /** Request/reply, local to a node: the web verticle's admin operations ({@code {"op": ...}}) on its router. */
  public static final String ROUTER_ADMIN = "switchboard.router.admin";
  /** Published to every router of the cluster: one operator change ({@code provider} or {@code strategy}). */
  public static final String ROUTER_ADMIN_UPDATES = "switchboard.router.admin.updates";
  /** Request/reply, local to a node: a new conf for the router (hot reload); fails naming the bad key. */
  public static final String ROUTER_RELOAD = "switchboard.router.reload";
  /** Cluster-wide map (shared data, not an address) of operator changes, read by a router when it starts. */
  public static final String ROUTER_ADMIN_MAP = "switchboard.admin";
  /** Published to every web verticle: one entry of the operators' audit list ({@code {"id","time","who",...}}). */
  public static final String ADMIN_AUDIT = "switchboard.admin.audit";
  /** Cluster-wide map (shared data) of the audit list's entries, newest kept. */
  public static final String ADMIN_AUDIT_MAP = "switchboard.admin.audit";
  /** Published to every web verticle: {@code {"session","until"}}, an admin page session that logged out. */
  public static final String ADMIN_SESSIONS_REVOKED = "switchboard.admin.sessions.revoked";
  /** Cluster-wide map (shared data) of logged-out admin page sessions until they would have expired. */
  public static final String ADMIN_SESSIONS_REVOKED_MAP = "switchboard.admin.sessions.revoked";
  /**
   * Published every second by every node that takes calls, to every web verticle (the admin page's Calls view):
   * {@code {"node","node_id","calls":[...],"active","max_calls","draining"}}, the calls open on that node.
   */
  public static final String VOICE_CALLS = "switchboard.voice.calls";

  /**
   * Publish: {@code {"cid": "...", "deleted_ms": ...}} when an artifact was deleted (by its key, the admin, retention
   * or a failed verification). Every node drops its own copy and the cache entries that refer to it.
   */
  public static final String ARTIFACT_DELETED = "switchboard.artifacts.deleted";

  /**
   * Local map (shared data of one node, not an address) of the backends this node was asked to run but did not start:
   * backend id to the reason ({@code OPENAI_API_KEY not set}). The router names it when a request's model has no live
   * backend.
   */
  public static final String BACKENDS_OFF_MAP = "switchboard.backends.off";

  private static final String BACKEND_PREFIX = "switchboard.backend.";
  private static final String INSTANCE_PREFIX = "switchboard.instance.";
  private static final String KEY_VERIFIER_PREFIX = "switchboard.keys.verifier.";
  private static final String REALTIME_SESSION_PREFIX = "switchboard.realtime.session.";
  private static final String REALTIME_EVENTS_PREFIX = "switchboard.realtime.events.";

  private Addresses() {
  }

  /** The address every instance of backend {@code backendId} consumes; the bus spreads load across them. */
  public static String backend(String backendId) {
    return BACKEND_PREFIX + backendId;
  }

  /**
   * The address of one backend instance. The router sends here, choosing the instance itself, so that it knows
   * which requests were in flight on an instance that dies and can move them to another at once.
   */
  public static String instance(String instanceId) {
    return INSTANCE_PREFIX + instanceId;
  }

  /** The private address of one key verifier, acking revocations and limit changes (see {@link #KEY_VERIFIERS_MAP}). */
  public static String keyVerifier(String instanceId) {
    return KEY_VERIFIER_PREFIX + instanceId;
  }

  /** Where the caller sends a realtime session's client events (consumed by the backend instance that holds it). */
  public static String realtimeSession(String sessionId) {
    return REALTIME_SESSION_PREFIX + sessionId;
  }

  /** Where a realtime session's server events go (consumed by the caller that opened it). */
  public static String realtimeEvents(String callerId) {
    return REALTIME_EVENTS_PREFIX + callerId;
  }
}
