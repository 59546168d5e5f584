package io.switchboard.api;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageCodec;

/**
 * What the mesh's own bus codecs share: a name that travels with each message (so every node that receives one must
 * register the codec, which every Switchboard verticle does at start), and registration that tolerates a second
 * verticle of the same Vert.x doing it again.
 */
abstract class NamedCodec<T> implements MessageCodec<T, T> {

  private final String name;

  NamedCodec(String name) {
    this.name = name;
  }

  /** Registers {@code codec} under its name; safe to call more than once per Vert.x. */
  static void registerOnce(Vertx vertx, MessageCodec<?, ?> codec) {
    try {
      vertx.eventBus().registerCodec(codec);
    } catch (IllegalStateException alreadyRegistered) {
      // another verticle of this Vert.x instance registered it first
    }
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final byte systemCodecID() {
    return -1;
  }
}
