package io.switchboard.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Test certificates made with {@code openssl} (EC P-256, two days): a CA and node certificates it signs, with
 * {@code 127.0.0.1}/{@code localhost} as subject alternative names and both server and client use, as PEM files.
 */
public final class TestCerts {

  private final Path dir;

  public TestCerts(Path dir) throws IOException {
    this.dir = dir;
    Files.createDirectories(dir);
  }

  /** A new self-signed CA: {@code <name>.pem} and {@code <name>.key}. */
  public Path ca(String name) throws IOException, InterruptedException {
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", dir.resolve(name + ".key").toString(), "-out", dir.resolve(name + ".pem").toString(),
      "-days", "2", "-subj", "/CN=" + name);
    return dir.resolve(name + ".pem");
  }

  /** A certificate and its key, PEM files. */
  public record Pair(Path cert, Path key) {
  }

  /** A server certificate for 127.0.0.1 and localhost, signed by {@code ca}. */
  public Pair server(String name, String ca) throws IOException, InterruptedException {
    Map<String, String> env = node(name, ca);
    return new Pair(Path.of(env.get(ClusterTls.CERT)), Path.of(env.get(ClusterTls.KEY)));
  }

  /** A node certificate signed by {@code ca}; returns the environment that turns event-bus TLS on with it. */
  Map<String, String> node(String name, String ca) throws IOException, InterruptedException {
    Path key = dir.resolve(name + ".key");
    Path csr = dir.resolve(name + ".csr");
    Path cert = dir.resolve(name + ".pem");
    Path ext = dir.resolve(name + ".ext");
    Files.writeString(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + name);
    openssl("x509", "-req", "-in", csr.toString(), "-CA", dir.resolve(ca + ".pem").toString(),
      "-CAkey", dir.resolve(ca + ".key").toString(), "-CAcreateserial", "-out", cert.toString(), "-days", "2",
      "-extfile", ext.toString());
    Map<String, String> env = new HashMap<>();
    env.put(ClusterTls.ENABLED, "true");
    env.put(ClusterTls.CERT, cert.toString());
    env.put(ClusterTls.KEY, key.toString());
    env.put(ClusterTls.CA, dir.resolve(ca + ".pem").toString());
    return env;
  }

  private void openssl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("openssl " + String.join(" ", args) + " failed:\n" + out);
    }
  }
}
