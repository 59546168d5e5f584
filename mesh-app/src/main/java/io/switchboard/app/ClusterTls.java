package io.switchboard.app;

import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Mutual TLS on the event bus between nodes, switched on by {@code SWITCHBOARD_CLUSTER_TLS=true} with three PEM
 * files: {@code SWITCHBOARD_CLUSTER_TLS_CERT} (this node's certificate chain), {@code SWITCHBOARD_CLUSTER_TLS_KEY}
 * (its private key, PKCS#8 or PKCS#1) and {@code SWITCHBOARD_CLUSTER_TLS_CA} (the cluster's CA).
 *
 * <p>Every node both presents its certificate and requires the peer's, signed by that CA: a node without one,
 * or with one from another CA, cannot open an event-bus connection to a member nor accept one, so it can neither
 * send nor receive a message. The peer's host name is not checked (the event bus has no such option): membership
 * of the CA is the trust, so that CA must sign cluster nodes only.
 *
 * <p>Hazelcast's own membership protocol (open source edition) has no TLS: a node that reaches the Hazelcast port
 * and knows the cluster name can join the membership and read the cluster maps (which addresses have consumers on
 * which node), but no event-bus payload. Keep the Hazelcast port on a private network (k8s/: a NetworkPolicy).
 */
final class ClusterTls {

  static final String ENABLED = "SWITCHBOARD_CLUSTER_TLS";
  static final String CERT = "SWITCHBOARD_CLUSTER_TLS_CERT";
  static final String KEY = "SWITCHBOARD_CLUSTER_TLS_KEY";
  static final String CA = "SWITCHBOARD_CLUSTER_TLS_CA";

  private ClusterTls() {
  }

  static boolean enabled(Map<String, String> env) {
    String v = env.get(ENABLED);
    if (v == null || v.isBlank() || v.trim().equalsIgnoreCase("false")) {
      return false;
    }
    if (v.trim().equalsIgnoreCase("true")) {
      return true;
    }
    throw new IllegalArgumentException(ENABLED + " must be true or false, got '" + v + "'");
  }

  /** Sets the TLS options when enabled; a missing or unreadable file is an error naming the variable. */
  static void apply(EventBusOptions options, Map<String, String> env) {
    if (!enabled(env)) {
      return;
    }
    Path cert = readable(env, CERT);
    Path key = readable(env, KEY);
    Path ca = readable(env, CA);
    options.setSsl(true)
      .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert.toString()).setKeyPath(key.toString()))
      .setTrustOptions(new PemTrustOptions().addCertPath(ca.toString()))
      .setClientAuth(ClientAuth.REQUIRED);
  }

  private static Path readable(Map<String, String> env, String name) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException(ENABLED + " is true but " + name + " is not set");
    }
    Path p = Path.of(v.trim());
    if (!Files.isReadable(p)) {
      throw new IllegalArgumentException(name + " names a file that cannot be read: " + p);
    }
    return p;
  }
}
