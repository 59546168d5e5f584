package io.switchboard.voice.mode;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.VoiceModes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;

/**
 * The mode new calls on this node start in: conf's {@code voice.mode} / {@code voice.modes} /
 * {@code voice.fallback_mode} / {@code voice.allowed_modes}, then the operators' latest change, applied on every voice
 * node of the cluster at once ({@link Addresses#VOICE_MODE_UPDATES}) and read from the cluster-wide map
 * ({@link Addresses#VOICE_MODE_MAP}) by a node that starts later. A change never touches a call in progress: a call
 * asks once, when it starts ({@link #choose}).
 */
public final class ModeSwitch {

  private static final System.Logger LOG = System.getLogger(ModeSwitch.class.getName());
  /**
   * Where a starting voice node says hello (published), and, with {@code .<node>} after it, where every other node
   * answers it (a one-way send). See {@link #warmLinks}.
   */
  static final String HELLO = "switchboard.voice.mode.hello";

  private final Vertx vertx;
  private final DoubleSupplier random;
  private volatile VoiceModes modes;
  /** The version of the operators' change in {@link #modes} (0: the conf's). On the voice verticle's context. */
  private long version;
  private final String node = UUID.randomUUID().toString();
  private MessageConsumer<JsonObject> updates;
  private MessageConsumer<JsonObject> applyHere;
  private MessageConsumer<Object> hellos;
  private MessageConsumer<Object> answers;
  private final AtomicInteger answered = new AtomicInteger();

  public ModeSwitch(Vertx vertx, VoiceModes fromConf, DoubleSupplier random) {
    this.vertx = vertx;
    this.modes = fromConf;
    this.random = random;
  }

  /** Listens for the operators' changes, then takes the latest one the cluster holds (if any). */
  public Future<Void> start() {
    updates = vertx.eventBus().consumer(Addresses.VOICE_MODE_UPDATES, m -> apply(m.body()));
    applyHere = vertx.eventBus().localConsumer(Addresses.VOICE_MODE_APPLY, m -> {
      apply(m.body());
      m.reply(null);
    });
    return Future.join(updates.completion(), applyHere.completion())
      .compose(v -> warmLinks())
      .compose(v -> vertx.sharedData().<String, String>getAsyncMap(Addresses.VOICE_MODE_MAP))
      .compose(map -> map.get(Addresses.VOICE_MODE_KEY))
      .map(stored -> {
        if (stored != null) {
          apply(new JsonObject(stored));
        }
        return (Void) null;
      })
      .recover(e -> {
        LOG.log(System.Logger.Level.WARNING, "voice: could not read the operators'' voice mode from the cluster: {0}", e.getMessage());
        return Future.succeededFuture();
      });
  }

  public Future<Void> stop() {
    return Future.join(List.of(unregister(updates), unregister(applyHere), unregister(hellos), unregister(answers))).mapEmpty();
  }

  private static Future<Void> unregister(MessageConsumer<?> c) {
    return c == null ? Future.succeededFuture() : c.unregister();
  }

  /**
   * Opens the event bus's node-to-node links both ways between this node and every voice node already up, before any
   * switch needs them. A clustered event bus looks a node up and connects to it on the first message to it; that first
   * switch after start took 1.27 s against ~130 ms for the next ones (docs/benchmarks.md). This node publishes hello
   * (its links to the others open), each other node answers with a one-way send to this node's own address (theirs to
   * it open). Nothing waits on the answers; a node alone hears nobody.
   */
  private Future<Void> warmLinks() {
    answers = vertx.eventBus().consumer(HELLO + "." + node, m -> answered.incrementAndGet());
    hellos = vertx.eventBus().consumer(HELLO, m -> {
      if (m.body() instanceof String from && !from.equals(node)) {
        vertx.eventBus().send(HELLO + "." + from, node);
      }
    });
    return Future.join(answers.completion(), hellos.completion()).map(v -> {
      vertx.eventBus().publish(HELLO, node);
      return (Void) null;
    });
  }

  /** How many voice nodes answered this node's hello (their links to it are open). */
  public int answered() {
    return answered.get();
  }

  public VoiceModes current() {
    return modes;
  }

  /**
   * Takes an operators' change unless this node has it or a newer one: the node that served the change gets it twice
   * (applied here, then published), and the publishes of two quick changes may arrive out of order.
   */
  private void apply(JsonObject json) {
    try {
      VoiceModes next = VoiceModes.fromJson(json, VoiceModes.DEFAULT);
      long v = json.getValue(VoiceModes.VERSION) instanceof Number n ? n.longValue() : 0;
      if (v > version || v == 0 && !next.equals(modes)) { // 0: from a router that does not count changes
        version = Math.max(version, v);
        modes = next;
        LOG.log(System.Logger.Level.INFO, "voice: new calls now start as {0}", next.toJson().encode());
      }
    } catch (IllegalArgumentException e) {
      LOG.log(System.Logger.Level.WARNING, "voice: ignored a voice mode change: {0}", e.getMessage());
    }
  }

  /**
   * The mode of a call starting now: the one it asks for in its parameters ({@code mode}) when the operators allow it
   * (else PERMISSION, naming the allowed ones), or one drawn from the split.
   */
  public Choice choose(JsonObject params) {
    VoiceModes m = modes;
    Object asked = params == null ? null : params.getValue("mode");
    if (asked != null) {
      if (!(asked instanceof String s) || !VoiceModes.MODES.contains(s)) {
        throw MeshException.invalid("mode", "call parameter 'mode' must be pipeline or realtime");
      }
      if (!m.allowed().contains(s)) {
        throw new MeshException(ErrorCode.PERMISSION, "a call may not ask for mode '" + s + "' here (allowed: " + m.allowed() + ")");
      }
      return new Choice(s, m.fallback(), true);
    }
    return new Choice(m.pick(random.getAsDouble()), m.fallback(), false);
  }

  /** A call's mode, the fallback it may take, and whether the call asked for its mode. */
  public record Choice(String mode, String fallback, boolean asked) {
  }
}
