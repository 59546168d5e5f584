package io.switchboard.api;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;

/**
 * The event-bus codec for audio bodies ({@code switchboard.transcribe} and the backend requests it becomes), named
 * {@value #NAME}. Vert.x's own {@code Buffer} codec copies the bytes on every local hop; a 25 MB upload would be held
 * once more per hop. With this codec a local receiver gets a slice of the sender's buffer (same bytes, its own
 * indexes; appending to it makes it a private copy first, so growing it never touches the sender's). Audio on the
 * bus is read-only: nobody overwrites bytes of a buffer once it is sent. Across the
 * cluster it is a length-prefixed frame; the receiver's body is a slice of the frame Vert.x reads for that one
 * message, so the receiving node holds the audio once too.
 *
 * <p>A sender opts in with {@link #options(DeliveryOptions)}; a plain {@code Buffer} without the codec name is still
 * accepted everywhere (and copied by Vert.x on local hops). Every node that sends or receives with it registers it
 * with {@link #register(Vertx)}; the mesh's verticles do so at start.
 */
public final class AudioCodec extends NamedCodec<Buffer> {

  public static final String NAME = "switchboard.audio";

  public AudioCodec() {
    super(NAME);
  }

  /** Registers the codec under {@link #NAME}; safe to call more than once per Vert.x. */
  public static void register(Vertx vertx) {
    registerOnce(vertx, new AudioCodec());
  }

  /** {@code options} with this codec selected for the message body, which must be a {@code Buffer}. */
  public static DeliveryOptions options(DeliveryOptions options) {
    return options.setCodecName(NAME);
  }

  @Override
  public void encodeToWire(Buffer wire, Buffer audio) {
    wire.appendInt(audio.length()).appendBuffer(audio);
  }

  @Override
  public Buffer decodeFromWire(int pos, Buffer wire) {
    int length = wire.getInt(pos);
    // Vert.x hands each decoder a frame of its own (copied out of the connection's read buffer), so a slice of it
    // is safe to keep; copying would hold the audio twice on the receiving node.
    return wire.slice(pos + 4, pos + 4 + length);
  }

  @Override
  public Buffer transform(Buffer audio) {
    return audio.slice();
  }
}
