package io.switchboard.core.artifact;

import io.switchboard.api.ArtifactKind;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.switchboard.core.cid.Cid;
import io.switchboard.core.cid.CidHasher;
import io.switchboard.core.testkit.TestVertx;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link ArtifactStore} must do, run against the file store and PostgreSQL alike: bytes back as stored
 * under the CID {@code ipfs add} would give them, one copy per CID with a claim per holder, deletion by holder and by
 * the admin with the deletion hook told, retention by age and by total size (oldest first), and a corrupted artifact
 * detected on read, removed, and never served.
 */
public abstract class ArtifactStoreContract {

  protected static final ArtifactTag K1_LOCAL = new ArtifactTag(ArtifactKind.AUDIO_IN, Privacy.LOCAL, "k_1", "req_1");
  protected static final ArtifactTag K2_CLOUD = new ArtifactTag(ArtifactKind.AUDIO_IN, Privacy.CLOUD, "k_2", "req_2");

  @RegisterExtension
  protected static final TestVertx VX = new TestVertx();
  protected static final Vertx vertx = VX.get();
  protected final AtomicLong clock = new AtomicLong(1_000_000);
  protected final List<ArtifactDeletion> deletions = new CopyOnWriteArrayList<>();
  final CompletableFuture<ArtifactDeletion> firstDeletion = new CompletableFuture<>();
  protected ArtifactStore store;

  /** A new, empty store whose times come from {@code clock}. */
  protected abstract ArtifactStore open(AtomicLong clock) throws Exception;

  /** Overwrites stored bytes of {@code cid} at {@code offset}, behind the store's back. */
  protected abstract void corrupt(ArtifactStore store, Cid cid, long offset, byte[] bytes) throws Exception;

  protected abstract void cleanUp() throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    store = open(clock);
    store.onDeleted(d -> {
      deletions.add(d);
      firstDeletion.complete(d);
    });
  }

  @AfterEach
  void closeStore() throws Exception {
    await(store.close());
    cleanUp();
  }

  protected static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception x ? x : e;
    }
  }

  protected static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static Buffer readAll(ArtifactReader reader) throws Exception {
    Buffer all = Buffer.buffer();
    for (Buffer piece = await(reader.next()); piece != null; piece = await(reader.next())) {
      all.appendBuffer(piece);
    }
    return all;
  }

  @Test
  void storesAndReadsBackUnderTheReferenceCid() throws Exception {
    for (int size : new int[]{0, 1, 262_144, 262_145, 3_000_000}) {
      byte[] data = bytes(size, size);
      ArtifactInfo info = await(store.put(K1_LOCAL, Buffer.buffer(data)));
      assertEquals(CidHasher.of(data), info.cid(), "CID of " + size + " bytes");
      assertEquals(size, info.size());
      assertEquals(List.of(K1_LOCAL.claim(clock.get())), info.claims());
      ArtifactReader reader = await(store.open(info.cid()));
      assertEquals(size, reader.length());
      assertEquals(Buffer.buffer(data), readAll(reader), "bytes of " + size);
    }
    assertEquals(0 + 1 + 262_144 + 262_145 + 3_000_000L, await(store.totalBytes()));
  }

  @Test
  void streamedWritesGiveTheSameArtifact() throws Exception {
    byte[] data = bytes(1_100_000, 3);
    ArtifactWriter writer = store.writer(K2_CLOUD);
    Random random = new Random(5);
    for (int pos = 0; pos < data.length; ) {
      int n = Math.min(data.length - pos, 1 + random.nextInt(300_000));
      await(writer.write(Buffer.buffer(java.util.Arrays.copyOfRange(data, pos, pos + n))));
      pos += n;
    }
    ArtifactInfo info = await(writer.end());
    assertEquals(CidHasher.of(data), info.cid());
    assertEquals(Buffer.buffer(data), readAll(await(store.open(info.cid()))));
  }

  @Test
  void anAbortedWriterStoresNothing() throws Exception {
    ArtifactWriter writer = store.writer(K1_LOCAL);
    await(writer.write(Buffer.buffer(bytes(5000, 1))));
    writer.abort();
    assertEquals(0L, await(store.totalBytes()));
  }

  @Test
  void oneCopyPerCidWithAClaimPerHolder() throws Exception {
    byte[] data = bytes(300_000, 9);
    Cid cid = await(store.put(K1_LOCAL, Buffer.buffer(data))).cid();
    clock.addAndGet(10);
    ArtifactInfo both = await(store.put(K2_CLOUD, Buffer.buffer(data)));
    assertEquals(300_000L, await(store.totalBytes()));
    assertEquals(2, both.claims().size());
    assertEquals(clock.get(), both.touchedMs());

    assertTrue(await(store.deleteClaims(cid, "k_1")));
    ArtifactInfo left = await(store.info(cid));
    assertEquals(List.of(K2_CLOUD.claim(clock.get())), left.claims());
    assertFalse(await(store.deleteClaims(cid, "k_1")), "nothing left to delete for k_1");
    assertEquals(Buffer.buffer(data), readAll(await(store.open(cid))));

    assertTrue(await(store.deleteClaims(cid, "k_2")));
    assertNull(await(store.info(cid)));
    assertEquals(0L, await(store.totalBytes()));
    assertEquals(List.of(false, true), deletions.stream().map(ArtifactDeletion::whole).toList());
    assertTrue(deletions.stream().allMatch(d -> d.cid().equals(cid) && d.reason() == ArtifactDeletion.Reason.HOLDER));
  }

  @Test
  void theAdminDeletesWhole() throws Exception {
    Cid cid = await(store.put(K1_LOCAL, Buffer.buffer(bytes(1000, 1)))).cid();
    await(store.put(K2_CLOUD, Buffer.buffer(bytes(1000, 1))));
    assertTrue(await(store.delete(cid)));
    assertFalse(await(store.delete(cid)));
    MeshException e = assertInstanceOf(MeshException.class, assertThrows(Exception.class, () -> await(store.open(cid))));
    assertEquals(ErrorCode.NOT_FOUND, e.errorCode());
    assertEquals(1, deletions.size());
    assertEquals(ArtifactDeletion.Reason.ADMIN, deletions.get(0).reason());
  }

  @Test
  void retentionBySizeRemovesTheOldestFirst() throws Exception {
    List<Cid> cids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      clock.addAndGet(1000);
      cids.add(await(store.put(K1_LOCAL, Buffer.buffer(bytes(100_000, 100 + i)))).cid());
    }
    clock.addAndGet(1000);
    await(store.put(K2_CLOUD, Buffer.buffer(bytes(100_000, 100)))); // the oldest, stored again: now the newest
    List<Cid> removed = await(store.retain(0, 250_000, clock.get()));
    assertEquals(Set.of(cids.get(1), cids.get(2), cids.get(3)), Set.copyOf(removed));
    assertEquals(200_000L, await(store.totalBytes()));
    assertTrue(await(store.info(cids.get(0))) != null && await(store.info(cids.get(4))) != null);
    assertEquals(Set.copyOf(removed), deletions.stream().map(ArtifactDeletion::cid).collect(Collectors.toSet()));
    assertTrue(deletions.stream().allMatch(d -> d.reason() == ArtifactDeletion.Reason.RETENTION));
  }

  @Test
  void retentionByAge() throws Exception {
    Cid old = await(store.put(K1_LOCAL, Buffer.buffer(bytes(10, 1)))).cid();
    clock.addAndGet(60_000);
    Cid recent = await(store.put(K1_LOCAL, Buffer.buffer(bytes(10, 2)))).cid();
    assertEquals(List.of(old), await(store.retain(30_000, 0, clock.get() + 1)));
    assertNull(await(store.info(old)));
    assertEquals(recent, await(store.info(recent)).cid());
  }

  @Test
  void aCorruptedChunkIsDetectedAndNeverServed() throws Exception {
    byte[] data = bytes(600_000, 4); // three chunks
    Cid cid = await(store.put(K1_LOCAL, Buffer.buffer(data))).cid();
    corrupt(store, cid, 300_000, new byte[]{(byte) (data[300_000] ^ 1)});

    ArtifactReader reader = await(store.open(cid));
    Buffer first = await(reader.next());
    assertEquals(Buffer.buffer(java.util.Arrays.copyOfRange(data, 0, 262_144)), first, "the intact first chunk");
    MeshException e = assertInstanceOf(MeshException.class, assertThrows(Exception.class, () -> await(reader.next())));
    assertEquals(ErrorCode.INTERNAL, e.errorCode());
    assertTrue(e.getMessage().contains("failed verification"), e.getMessage());
    awaitDeletion(cid);
    assertNull(await(store.info(cid)), "removed");
    assertEquals(ArtifactDeletion.Reason.CORRUPTED, deletions.get(0).reason());
    assertThrows(Exception.class, () -> await(store.open(cid)));
  }

  @Test
  void aCorruptedSmallArtifactServesNoByte() throws Exception {
    byte[] data = bytes(5000, 8); // one chunk: the CID is the chunk's hash
    Cid cid = await(store.put(K2_CLOUD, Buffer.buffer(data))).cid();
    corrupt(store, cid, 4999, new byte[]{(byte) (data[4999] + 1)});
    ArtifactReader reader = await(store.open(cid));
    assertThrows(Exception.class, () -> await(reader.next()));
    awaitDeletion(cid);
    assertNull(await(store.info(cid)));
  }

  /** Removal after a failed verification runs in the background: wait for its hook (bounded). */
  private void awaitDeletion(Cid cid) throws Exception {
    assertEquals(cid, firstDeletion.get(30, TimeUnit.SECONDS).cid());
  }
}
