package io.switchboard.core.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Loads the mesh configuration with vertx-config, lowest precedence first: {@code conf/switchboard.yaml} (the
 * defaults), an operator file ({@code SWITCHBOARD_CONFIG} or {@code -Dswitchboard.config}), then the few
 * settings that environment variables and {@code -Dswitchboard.*} system properties override. Backend secrets are
 * never read into the config: conf names the variable, the backend reads it. The one exception is the admin token
 * ({@code SWITCHBOARD_ADMIN_TOKEN}), handed to the web verticle as {@code http.admin_token}; configuration objects are
 * never logged or served.
 */
public final class MeshConfig {

  private MeshConfig() {
  }

  /** The retriever over the layered stores; {@code scanPeriodMs} &gt; 0 re-reads files for hot reload. */
  public static ConfigRetriever retriever(Vertx vertx, Path defaults, Path operatorFile, Map<String, String> env, long scanPeriodMs) {
    ConfigRetrieverOptions options = new ConfigRetrieverOptions().setScanPeriod(scanPeriodMs <= 0 ? -1 : scanPeriodMs);
    if (defaults != null && Files.exists(defaults)) {
      options.addStore(yaml(defaults));
    }
    if (operatorFile != null) {
      options.addStore(yaml(operatorFile).setOptional(false));
    }
    options.addStore(new ConfigStoreOptions().setType("json").setConfig(overrides(env)));
    return ConfigRetriever.create(vertx, options);
  }

  /** Loads once. */
  public static Future<JsonObject> load(Vertx vertx, Path defaults, Path operatorFile, Map<String, String> env) {
    ConfigRetriever r = retriever(vertx, defaults, operatorFile, env, -1);
    return r.getConfig().eventually(() -> {
      r.close();
      return Future.succeededFuture();
    });
  }

  private static ConfigStoreOptions yaml(Path path) {
    return new ConfigStoreOptions().setType("file").setFormat("yaml")
      .setConfig(new JsonObject().put("path", path.toAbsolutePath().toString()));
  }

  /** Environment and system-property overrides, as a nested JSON object merged over the files. */
  static JsonObject overrides(Map<String, String> env) {
    JsonObject out = new JsonObject();
    String port = System.getProperty("switchboard.http.port", env.get("SWITCHBOARD_HTTP_PORT"));
    if (port != null && !port.isBlank()) {
      try {
        out.put("http", new JsonObject().put("port", Integer.parseInt(port.trim())));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("SWITCHBOARD_HTTP_PORT must be a port number, got '" + port + "'");
      }
    }
    String adminToken = env.get("SWITCHBOARD_ADMIN_TOKEN");
    if (adminToken != null && !adminToken.isBlank()) {
      out.put("http", out.getJsonObject("http", new JsonObject()).put("admin_token", adminToken.trim()));
    }
    String tlsCert = env.get("SWITCHBOARD_HTTP_TLS_CERT");
    String tlsKey = env.get("SWITCHBOARD_HTTP_TLS_KEY");
    if (tlsCert != null && !tlsCert.isBlank() && tlsKey != null && !tlsKey.isBlank()) {
      out.put("http", out.getJsonObject("http", new JsonObject()).put("tls", new JsonObject()
        .put("cert_file", tlsCert.trim()).put("key_file", tlsKey.trim())));
    }
    String usageDir = env.get("SWITCHBOARD_USAGE_DIR");
    if (usageDir != null && !usageDir.isBlank()) {
      out.put("usage", new JsonObject().put("data_dir", usageDir.trim()));
    }
    String host = System.getProperty("switchboard.http.host", env.get("SWITCHBOARD_HTTP_HOST"));
    if (host != null && !host.isBlank()) {
      out.put("http", out.getJsonObject("http", new JsonObject()).put("host", host.trim()));
    }
    return out;
  }
}
