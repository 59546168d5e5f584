package io.switchboard.app;

import io.vertx.core.transport.Transport;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The network transport the node's Vert.x runs its sockets on, from {@value #ENV}: {@code native} (the default:
 * io_uring, else epoll), {@code epoll} or {@code io_uring} (Netty's native Linux transports, shipped in {@code lib/}
 * for x86_64 and aarch64), or {@code nio} (the JDK's selector). A native transport the platform cannot load (another OS or architecture,
 * io_uring refused by the kernel or a container's seccomp profile) falls back to the next, then to NIO, and the node's
 * log says which runs and why.
 */
final class NodeTransport {

  private static final System.Logger LOG = System.getLogger(NodeTransport.class.getName());

  /** The environment variable that chooses the transport. */
  static final String ENV = "SWITCHBOARD_TRANSPORT";

  /** What runs when {@value #ENV} is unset. */
  static final String DEFAULT = "native";

  private NodeTransport() {
  }

  /** The transport to build the node's Vert.x with; a value that names no transport is refused. */
  static Transport choose(Map<String, String> env) {
    String asked = env.getOrDefault(ENV, "");
    String name = asked.isBlank() ? DEFAULT : asked.trim().toLowerCase(Locale.ROOT);
    List<String> tried = switch (name) {
      case "nio" -> List.of();
      case "epoll", "io_uring" -> List.of(name);
      case "native" -> List.of("io_uring", "epoll");
      default -> throw new IllegalArgumentException(ENV + " must be nio, epoll, io_uring or native, got '" + asked + "'");
    };
    return usable(tried, NodeTransport::named);
  }

  /** The first of {@code tried} that can run here, else NIO; the log says which runs and why the ones before it did not. */
  static Transport usable(List<String> tried, Function<String, Transport> named) {
    List<String> unavailable = new ArrayList<>();
    Transport runs = Transport.NIO;
    for (String name : tried) {
      Transport t = named.apply(name);
      if (t != null && t.available()) {
        runs = t;
        break;
      }
      unavailable.add(name + " unavailable here: "
        + (t == null ? "its classes are not on the class path" : String.valueOf(t.unavailabilityCause())));
    }
    LOG.log(System.Logger.Level.INFO, "network transport: {0}{1}", runs.name(),
      unavailable.isEmpty() ? "" : " (" + String.join("; ", unavailable) + ")");
    return runs;
  }

  private static Transport named(String name) {
    return switch (name) {
      case "epoll" -> Transport.EPOLL;
      case "io_uring" -> Transport.IO_URING;
      default -> throw new IllegalArgumentException("no transport named " + name);
    };
  }
}
