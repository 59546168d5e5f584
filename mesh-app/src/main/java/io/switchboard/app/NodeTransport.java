package io.switchboard.app;

import io.vertx.core.transport.Transport;

import java.util.Locale;
import java.util.Map;

/**
 * The network transport the node's Vert.x runs its sockets on, from {@value #ENV}: {@code nio} (the JDK's selector),
 * {@code epoll} or {@code io_uring} (Netty's native Linux transports, shipped in {@code lib/} for x86_64 and aarch64),
 * or {@code native} (epoll, else io_uring). A native transport the platform cannot load (another OS or architecture,
 * io_uring refused by the kernel or a seccomp profile) falls back to NIO, and the node says so in its log.
 */
final class NodeTransport {

  private static final System.Logger LOG = System.getLogger(NodeTransport.class.getName());

  /** The environment variable that chooses the transport. */
  static final String ENV = "SWITCHBOARD_TRANSPORT";

  /** What runs when {@value #ENV} is unset. */
  static final String DEFAULT = "nio";

  private NodeTransport() {
  }

  /** The transport to build the node's Vert.x with; a value that names no transport is refused. */
  static Transport choose(Map<String, String> env) {
    String asked = env.getOrDefault(ENV, "");
    String name = asked.isBlank() ? DEFAULT : asked.trim().toLowerCase(Locale.ROOT);
    Transport wanted = switch (name) {
      case "nio" -> Transport.NIO;
      case "epoll" -> Transport.EPOLL;
      case "io_uring" -> Transport.IO_URING;
      case "native" -> Transport.nativeTransport();
      default -> throw new IllegalArgumentException(ENV + " must be nio, epoll, io_uring or native, got '" + asked + "'");
    };
    return usable(name, wanted);
  }

  /** {@code wanted} if it can run here, else NIO; the log says which runs and, on a fallback, why. */
  static Transport usable(String name, Transport wanted) {
    if (wanted != null && wanted.available()) {
      LOG.log(System.Logger.Level.INFO, "network transport: {0}", wanted.name());
      return wanted;
    }
    String why = wanted == null ? "its classes are not on the class path" : String.valueOf(wanted.unavailabilityCause());
    LOG.log(System.Logger.Level.INFO, "network transport: nio ({0} asked by {1}, unavailable here: {2})", name, ENV, why);
    return Transport.NIO;
  }
}
