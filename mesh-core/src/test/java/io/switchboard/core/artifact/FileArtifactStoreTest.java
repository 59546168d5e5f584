package io.switchboard.core.artifact;

import io.switchboard.core.cid.Cid;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded store: the contract, plus what a directory adds (restart, interrupted writes, one process). */
class FileArtifactStoreTest extends ArtifactStoreContract {

  @TempDir
  Path dir;

  @Override
  protected ArtifactStore open(AtomicLong clock) throws Exception {
    return await(FileArtifactStore.open(vertx, dir, 2, clock::get));
  }

  static Path dataPath(Path dir, Cid cid) {
    String s = cid.toString();
    return dir.resolve("blobs").resolve(s.substring(s.length() - 2)).resolve(s);
  }

  @Override
  protected void corrupt(ArtifactStore store, Cid cid, long offset, byte[] bytes) throws Exception {
    try (FileChannel ch = FileChannel.open(dataPath(dir, cid), StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(bytes), offset);
    }
  }

  @Override
  protected void cleanUp() {
  }

  @Test
  void survivesARestart() throws Exception {
    byte[] data = bytes(700_000, 12);
    Cid cid = await(store.put(K1_LOCAL, Buffer.buffer(data))).cid();
    await(store.put(K2_CLOUD, Buffer.buffer(data)));
    await(store.close());
    store = open(clock);
    assertEquals(2, await(store.info(cid)).claims().size());
    assertEquals(Buffer.buffer(data), readAll(await(store.open(cid))));
    assertEquals(700_000L, await(store.totalBytes()));
  }

  @Test
  void whatAnInterruptedWriteLeftIsRemovedAtStart() throws Exception {
    Cid kept = await(store.put(K1_LOCAL, Buffer.buffer(bytes(400_000, 1)))).cid();
    Cid lost = await(store.put(K1_LOCAL, Buffer.buffer(bytes(400_000, 2)))).cid();
    await(store.close());
    // The crash came after the bytes were renamed into place but before the metadata was written.
    Files.delete(dataPath(dir, lost).resolveSibling(lost + ".json"));
    Files.writeString(dir.resolve("tmp").resolve("half-written.part"), "partial");
    store = open(clock);
    assertNull(await(store.info(lost)));
    assertFalse(Files.exists(dataPath(dir, lost)));
    assertFalse(Files.exists(dataPath(dir, lost).resolveSibling(lost + ".dag")));
    assertFalse(Files.exists(dir.resolve("tmp").resolve("half-written.part")));
    assertEquals(400_000L, await(store.info(kept)).size());
    assertEquals(400_000L, await(store.totalBytes()));
  }

  @Test
  void aTruncatedFileIsDetected() throws Exception {
    Cid cid = await(store.put(K1_LOCAL, Buffer.buffer(bytes(300_000, 1)))).cid();
    try (FileChannel ch = FileChannel.open(dataPath(dir, cid), StandardOpenOption.WRITE)) {
      ch.truncate(290_000);
    }
    Exception e = assertThrows(Exception.class, () -> await(store.open(cid)));
    assertTrue(e.getMessage().contains("the file has 290000 bytes, expected 300000"), e.getMessage());
    assertEquals(cid, firstDeletion.get(30, java.util.concurrent.TimeUnit.SECONDS).cid());
    assertNull(await(store.info(cid)));
  }

  @Test
  void oneProcessPerDirectory() {
    Exception e = assertThrows(Exception.class, () -> await(FileArtifactStore.open(vertx, dir, 1)));
    assertTrue(e.getMessage().contains("in use by another process"), e.getMessage());
  }

  @Test
  void pipesEverythingThenEnds() throws Exception {
    byte[] data = bytes(700_000, 21);
    Cid cid = await(store.put(K1_LOCAL, Buffer.buffer(data))).cid();
    Sink sink = new Sink();
    await(await(store.open(cid)).pipeTo(sink));
    assertEquals(Buffer.buffer(data), sink.received);
    assertTrue(sink.ended);
  }

  @Test
  void aCorruptedPipeIsNeverEnded() throws Exception {
    byte[] data = bytes(700_000, 22);
    Cid cid = await(store.put(K1_LOCAL, Buffer.buffer(data))).cid();
    corrupt(store, cid, 600_000, new byte[]{(byte) (data[600_000] ^ 0x40)});
    Sink sink = new Sink();
    assertThrows(Exception.class, () -> await(await(store.open(cid)).pipeTo(sink)));
    assertEquals(524_288, sink.received.length(), "the two intact chunks before the bad one");
    assertFalse(sink.ended, "a cut artifact must not look whole");
  }

  /** A plain sink: what was written, and whether it was ended. */
  private static final class Sink implements io.vertx.core.streams.WriteStream<Buffer> {
    final Buffer received = Buffer.buffer();
    volatile boolean ended;

    @Override
    public io.vertx.core.streams.WriteStream<Buffer> exceptionHandler(io.vertx.core.Handler<Throwable> handler) {
      return this;
    }

    @Override
    public io.vertx.core.Future<Void> write(Buffer data) {
      received.appendBuffer(data);
      return io.vertx.core.Future.succeededFuture();
    }

    @Override
    public io.vertx.core.Future<Void> end() {
      ended = true;
      return io.vertx.core.Future.succeededFuture();
    }

    @Override
    public io.vertx.core.streams.WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
      return this;
    }

    @Override
    public boolean writeQueueFull() {
      return false;
    }

    @Override
    public io.vertx.core.streams.WriteStream<Buffer> drainHandler(io.vertx.core.Handler<Void> handler) {
      return this;
    }
  }
}
