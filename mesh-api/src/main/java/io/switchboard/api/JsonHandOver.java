package io.switchboard.api;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

/**
 * The event-bus codec for a JSON object its sender hands over, named {@value #NAME}. Vert.x's own {@code JsonObject}
 * codec deep-copies the object on every local hop: a chat completion was copied four times between the HTTP edge, the
 * router and the backend and back (docs/benchmarks.md, issue 15's tenth stop). With this codec a local receiver gets
 * the sender's object itself, so the sender must not read or change it once sent (it is the receiver's now). Across
 * the cluster it is what Vert.x's own codec sends: the length-prefixed JSON text.
 *
 * <p>A sender opts in with {@link #options(DeliveryOptions)} only where the object is its to give away; a plain
 * {@code JsonObject} without the codec name is still copied as before. Every node that sends or receives with it
 * registers it with {@link #register(Vertx)}; the mesh's verticles do so at start.
 */
public final class JsonHandOver extends NamedCodec<JsonObject> {

  public static final String NAME = "switchboard.json-hand-over";
  private static final JsonHandOver CODEC = new JsonHandOver();

  private JsonHandOver() {
    super(NAME);
  }

  /** {@code options} with this codec selected for the message body, which must be a {@code JsonObject}. */
  public static DeliveryOptions options(DeliveryOptions options) {
    return options.setCodecName(NAME);
  }

  /** Registers the codec under {@link #NAME}; safe to call more than once per Vert.x. */
  public static void register(Vertx vertx) {
    registerOnce(vertx, CODEC);
  }

  /** The one instance, stateless (for a test of its wire form). */
  static JsonHandOver codec() {
    return CODEC;
  }

  @Override
  public JsonObject transform(JsonObject json) {
    return json;
  }

  @Override
  public void encodeToWire(Buffer wire, JsonObject json) {
    Buffer encoded = json.toBuffer();
    wire.appendInt(encoded.length()).appendBuffer(encoded);
  }

  @Override
  public JsonObject decodeFromWire(int pos, Buffer wire) {
    int length = wire.getInt(pos);
    return new JsonObject(wire.slice(pos + 4, pos + 4 + length));
  }
}
