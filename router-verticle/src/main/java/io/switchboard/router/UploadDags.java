package io.switchboard.router;

import io.switchboard.api.Headers;
import io.switchboard.core.cid.FileDag;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Hands the DAG of a transcription upload, computed by the web verticle while the bytes arrived, to the router of the
 * same node, so the upload is hashed once. The web leaves it in a node-local map under a random one-time token and
 * sends the token in {@link Headers#UPLOAD_TOKEN}; the router takes it out. Only code in this JVM can put an entry
 * there, and a token cannot be guessed, so a bus caller cannot make the router believe audio has another CID (which
 * would poison the cache); a DAG whose length is not the audio's is ignored. A caller without a token gets its audio
 * hashed by the router.
 *
 * <p>What is left is the DAG as it will be: the web sends the request once the last byte is in, while the last steps
 * of the upload may still be hashing, so the router plans (key, policy, rules) meanwhile and waits for the CID only
 * where the cache key needs it. A DAG that fails, or has another length than the audio, is computed again by the
 * router (on a worker), as for a caller without a token.
 */
public final class UploadDags {

  private static final String MAP = "switchboard.upload.dags";
  /**
   * The tokens' 128 bits: a DRBG seeded once from the system, as unguessable as {@code UUID.randomUUID()}'s, without
   * the read of /dev/urandom that its NativePRNG makes on every call (~1 % of the web's event loop on a 960 KB
   * transcription hit, docs/benchmarks.md, issue 20's twelfth stop).
   */
  private static final SecureRandom TOKENS = drbg();
  private static final HexFormat HEX = HexFormat.of();

  private record Entry(Future<FileDag> dag) implements Shareable {
  }

  private UploadDags() {
  }

  /** Leaves {@code dag} for the router; answers the token to send (remove it with {@link #drop} when done). */
  public static String leave(Vertx vertx, Future<FileDag> dag) {
    byte[] bits = new byte[16];
    TOKENS.nextBytes(bits);
    String token = HEX.formatHex(bits);
    vertx.sharedData().<String, Entry>getLocalMap(MAP).put(token, new Entry(dag));
    return token;
  }

  private static SecureRandom drbg() {
    try {
      return SecureRandom.getInstance("DRBG");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no DRBG SecureRandom", e);
    }
  }

  /** Forgets a token the router did not take (a request refused before it was decoded). */
  public static void drop(Vertx vertx, String token) {
    vertx.sharedData().<String, Entry>getLocalMap(MAP).remove(token);
  }

  /**
   * The DAG the web left for {@code msg}'s audio, completing on the caller's context, or null when there is none (then
   * the router hashes the audio). The web's hasher completes it on the thread that hashed the upload's last leaf (a
   * hashing thread, or the web's event loop when it had caught up), so a DAG not yet complete comes here in one hop.
   */
  static Future<FileDag> take(Vertx vertx, Message<Object> msg) {
    String token = msg.headers().get(Headers.UPLOAD_TOKEN);
    if (token == null || !(msg.body() instanceof Buffer audio)) {
      return null;
    }
    LocalMap<String, Entry> map = vertx.sharedData().getLocalMap(MAP);
    Entry e = map.remove(token);
    if (e == null) {
      return null;
    }
    Future<FileDag> left = e.dag();
    if (!left.isComplete()) {
      Context here = vertx.getOrCreateContext();
      Promise<FileDag> hopped = Promise.promise();
      left.onComplete(done -> here.runOnContext(v -> hopped.handle(done)));
      left = hopped.future();
    }
    return left.compose(d -> d.size() == audio.length() ? Future.succeededFuture(d)
        : Future.failedFuture("the upload's DAG has " + d.size() + " bytes, the audio " + audio.length()))
      .recover(ignored -> vertx.executeBlocking(() -> FileDag.of(audio), false));
  }
}
