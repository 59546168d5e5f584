package io.switchboard.core.cid;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link CidHasher} against the reference importer ({@code ipfs-unixfs-importer@17}, the JS implementation of
 * {@code ipfs add}), for the sizes the brief names and the edges of the tree: empty, one byte, one chunk exactly, one
 * chunk and a byte, 3 MB, 25 MiB (the upload limit), 174 chunks (one full node) and 175 chunks (a second level). Each
 * payload is fed in a random split of buffers, some of them composite, and every block the DAG listener hears must
 * be a block the importer wrote.
 */
class CidHasherReferenceTest {

  @TempDir
  Path dir;

  private static io.vertx.core.Vertx vertx;

  @org.junit.jupiter.api.BeforeAll
  static void startVertx() {
    vertx = io.vertx.core.Vertx.vertx();
  }

  @org.junit.jupiter.api.AfterAll
  static void stopVertx() {
    vertx.close().await();
  }

  @ParameterizedTest
  @ValueSource(longs = {0, 1, 262_144, 262_145, 3_000_000, 26_214_400, 174L * 262_144, 174L * 262_144 + 1})
  void cidEqualsTheReference(long size) throws Exception {
    Path file = payload(size);
    JsonObject reference = CidReference.cid(file);

    Set<String> blocks = new HashSet<>();
    CidHasher hasher = new CidHasher(new DagListener() {
      @Override
      public void leaf(Cid cid, long offset, int length) {
        blocks.add(cid.toString());
      }

      @Override
      public void node(Cid cid, byte[] block) {
        assertEquals(cid, Cid.of(Cid.DAG_PB, block));
        assertEquals(block.length, FileNode.decode(block).encode().length);
        blocks.add(cid.toString());
      }
    });
    feedInRandomSplits(file, hasher, new Random(size));
    assertEquals(size, hasher.length());
    assertEquals(reference.getString("cid"), hasher.finish().toString(), "CID of " + size + " bytes");
    assertEquals(new HashSet<>(reference.getJsonArray("blocks").getList()), blocks, "blocks of " + size + " bytes");
    assertEquals(reference.getString("cid"), CidHasher.of(Files.readAllBytes(file)).toString(), "one-call CID");

    // Leaves hashed on worker threads as they complete (an upload's path): the same CID, leaves and nodes.
    byte[] all = Files.readAllBytes(file);
    ConcurrentDagHasher concurrent = new ConcurrentDagHasher(vertx);
    Random random = new Random(size + 1);
    for (int pos = 0; pos < all.length; ) {
      int n = Math.min(all.length - pos, random.nextInt(4) == 0 ? 1 + random.nextInt(16) : 1 + random.nextInt(600 * 1024));
      concurrent.update(java.nio.ByteBuffer.wrap(all, pos, n));
      pos += n;
    }
    FileDag dag = concurrent.finish().await(60, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(reference.getString("cid"), dag.root().toString(), "CID of " + size + " bytes hashed leaf by leaf on workers");
    FileDag sequential = FileDag.of(io.vertx.core.buffer.Buffer.buffer(all));
    assertEquals(sequential.leaves(), dag.leaves());
    assertEquals(sequential.nodes().stream().map(FileDag.Node::cid).toList(), dag.nodes().stream().map(FileDag.Node::cid).toList());
    assertEquals(size, dag.size());
  }

  /** Deterministic bytes (seeded by the size), written to a file in 1 MiB pieces. */
  private Path payload(long size) throws IOException {
    Path file = dir.resolve("payload-" + size);
    Random random = new Random(size * 31 + 7);
    byte[] block = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long left = size; left > 0; ) {
        int n = (int) Math.min(block.length, left);
        random.nextBytes(block);
        out.write(block, 0, n);
        left -= n;
      }
    }
    return file;
  }

  /** Pieces of 1 byte to 600 KiB, every third one a composite of two parts, as an HTTP upload arrives. */
  static void feedInRandomSplits(Path file, CidHasher hasher, Random random) throws IOException {
    byte[] all = Files.readAllBytes(file);
    int pos = 0;
    int piece = 0;
    while (pos < all.length) {
      int n = Math.min(all.length - pos, random.nextInt(4) == 0 ? 1 + random.nextInt(16) : 1 + random.nextInt(600 * 1024));
      if (++piece % 3 == 0 && n > 1) {
        int half = n / 2;
        List<ByteBuf> parts = new ArrayList<>();
        parts.add(Unpooled.wrappedBuffer(all, pos, half));
        parts.add(Unpooled.wrappedBuffer(all, pos + half, n - half));
        hasher.update(BufferInternal.buffer(new CompositeByteBuf(UnpooledByteBufAllocator.DEFAULT, false, 2, parts)));
      } else {
        hasher.update(BufferInternal.buffer(Unpooled.wrappedBuffer(all, pos, n)));
      }
      pos += n;
    }
  }
}
