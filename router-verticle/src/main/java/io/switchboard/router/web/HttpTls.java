package io.switchboard.router.web;

import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * https on the HTTP API: {@code http.tls: {cert_file: /path/cert.pem, key_file: /path/key.pem}} (PEM; the certificate
 * file may hold the chain), and HTTP/2 where the client asks for it over ALPN, HTTP/1.1 otherwise. Absent or
 * {@code enabled: false}: plain HTTP. A request's {@code isSSL()} tells handlers (the admin page's session cookie is
 * {@code Secure} then).
 */
final class HttpTls {

  private HttpTls() {
  }

  /** Turns TLS on in {@code options} as {@code tls} says; a conf that cannot work fails naming the key. */
  static void apply(Object tls, HttpServerOptions options) {
    if (tls == null) {
      return;
    }
    if (!(tls instanceof JsonObject conf)) {
      throw new IllegalArgumentException("http.tls must be a map with cert_file and key_file");
    }
    if (!conf.getBoolean("enabled", true)) {
      return;
    }
    String cert = file(conf, "cert_file");
    String key = file(conf, "key_file");
    options.setSsl(true)
      .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert).setKeyPath(key))
      .setUseAlpn(true)
      .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1));
  }

  private static String file(JsonObject conf, String field) {
    if (!(conf.getValue(field) instanceof String path) || path.isBlank()) {
      throw new IllegalArgumentException("http.tls." + field + " is required (a PEM file)");
    }
    if (!Files.isReadable(Path.of(path))) {
      throw new IllegalArgumentException("http.tls." + field + " " + path + " cannot be read");
    }
    return path;
  }
}
