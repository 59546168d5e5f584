package io.switchboard.core.artifact;

import io.switchboard.api.ArtifactKind;
import io.switchboard.api.Privacy;
import io.switchboard.core.cid.Cid;
import io.switchboard.core.cid.CidReference;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The CAR export of a stored artifact, read by the reference: {@code @ipld/car} parses it (CARv1, the artifact's CID
 * as the only root), every block hashes to its CID, and its blocks are exactly those {@code ipfs-unixfs-importer}
 * makes for the same bytes: what {@code ipfs dag import} needs to have the whole file under that CID.
 */
public class ArtifactCarTest {

  private static final ArtifactTag TAG = new ArtifactTag(ArtifactKind.AUDIO_OUT, Privacy.LOCAL, "k_1", "req_1");
  private static Vertx vertx;

  @TempDir
  Path dir;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 262_145, 3_000_000, 174 * 262_144 + 1})
  void theReferenceReadsTheExport(int size) throws Exception {
    ArtifactStore store = await(FileArtifactStore.open(vertx, dir.resolve("store"), 2));
    try {
      exportIsTheReferences(store, dir, size);
    } finally {
      await(store.close());
    }
  }


  /** Stores {@code size} random bytes in {@code store}, exports them as a CAR into {@code dir} and has the reference read it. */
  public static void exportIsTheReferences(ArtifactStore store, Path dir, int size) throws Exception {
    byte[] data = new byte[size];
    new Random(size).nextBytes(data);
    Path payload = dir.resolve("payload-" + size);
    Files.write(payload, data);
    Cid cid = await(store.put(TAG, Buffer.buffer(data))).cid();

    ArtifactReader car = ArtifactCar.of(await(store.open(cid)));
    Path carFile = dir.resolve("export-" + size + ".car");
    long written = 0;
    try (OutputStream out = Files.newOutputStream(carFile)) {
      for (Buffer piece = await(car.next()); piece != null; piece = await(car.next())) {
        out.write(piece.getBytes());
        written += piece.length();
      }
    }
    assertEquals(car.length(), written, "announced length");

    JsonObject reference = CidReference.car(carFile, payload);
    assertEquals(1, reference.getInteger("version"));
    assertEquals(new JsonArray().add(cid.toString()), reference.getJsonArray("roots"));
    assertEquals(cid.toString(), reference.getString("reference_root"));
    assertEquals(new JsonArray(), reference.getJsonArray("bad_hashes"));
    assertEquals(new JsonArray(), reference.getJsonArray("missing"), "blocks the importer has and the CAR lacks");
    assertEquals(new JsonArray(), reference.getJsonArray("extra"), "blocks the CAR has and the importer does not");
  }
}
