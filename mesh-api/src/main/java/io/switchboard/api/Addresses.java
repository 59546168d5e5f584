package io.switchboard.api;

/**
 * Event-bus addresses of the mesh. Any service on the bus, in any language, may send to the entry points;
 * the HTTP API goes through the same addresses.
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

  /** Backends publish their descriptor here at start, on every heartbeat, and when leaving. */
  public static final String REGISTRY = "switchboard.registry";
  /** Routers publish here when they start; every backend instance answers by announcing itself at once. */
  public static final String REGISTRY_SYNC = "switchboard.registry.sync";
  /** Request/reply: the router's current live view of the backends. */
  public static final String REGISTRY_VIEW = "switchboard.registry.view";

  /** One usage record per finished request, to the usage verticle. */
  public static final String USAGE = "switchboard.usage";

  /**
   * Publish: {@code {"cid": "...", "deleted_ms": ...}} when an artifact was deleted (by its key, the admin, retention
   * or a failed verification). Every node drops its own copy and the cache entries that refer to it.
   */
  public static final String ARTIFACT_DELETED = "switchboard.artifacts.deleted";

  private static final String BACKEND_PREFIX = "switchboard.backend.";
  private static final String INSTANCE_PREFIX = "switchboard.instance.";

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
}
