package io.switchboard.core.artifact;

import io.switchboard.core.cid.Cid;
import io.switchboard.core.cid.FileDag;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * What a {@link FileArtifactStore} holds: an in-memory map from CID to size, times and claims, loaded from the
 * {@code .json} files at start and kept equal to them. Lookups are lock-free (they run on event loops); changes are
 * serialised on this object and run on worker threads only, each one written to disk (temporary file, force, atomic
 * rename) before the map changes.
 */
final class FileIndex {

  private static final Logger LOG = Logger.getLogger(FileIndex.class.getName());

  /** One stored artifact; replaced whole on every change. */
  record Entry(Cid cid, long size, long createdMs, long touchedMs, List<ArtifactClaim> claims, boolean hasDag) {
    ArtifactInfo info() {
      return new ArtifactInfo(cid, size, createdMs, touchedMs, claims);
    }

    JsonObject toJson() {
      JsonArray c = new JsonArray();
      claims.forEach(claim -> c.add(claim.toJson()));
      return new JsonObject().put("cid", cid.toString()).put("size", size).put("created_ms", createdMs)
        .put("touched_ms", touchedMs).put("dag", hasDag).put("claims", c);
    }

    static Entry fromJson(JsonObject json) {
      List<ArtifactClaim> claims = new ArrayList<>();
      json.getJsonArray("claims", new JsonArray()).forEach(c -> claims.add(ArtifactClaim.fromJson((JsonObject) c)));
      return new Entry(Cid.parse(json.getString("cid")), json.getLong("size"), json.getLong("created_ms"),
        json.getLong("touched_ms"), List.copyOf(claims), json.getBoolean("dag", false));
    }
  }

  private final Path blobs;
  private final Path tmp;
  private final Map<Cid, Entry> entries = new ConcurrentHashMap<>();
  private final AtomicLong total = new AtomicLong();

  private FileIndex(Path dir) {
    this.blobs = dir.resolve("blobs");
    this.tmp = dir.resolve("tmp");
  }

  /** Reads the directory; removes what an interrupted write or delete left behind. Blocking. */
  static FileIndex load(Path dir) throws IOException {
    FileIndex index = new FileIndex(dir);
    Files.createDirectories(index.blobs);
    Files.createDirectories(index.tmp);
    try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(index.tmp)) {
      for (Path p : leftovers) {
        Files.deleteIfExists(p);
      }
    }
    try (DirectoryStream<Path> shards = Files.newDirectoryStream(index.blobs)) {
      for (Path shard : shards) {
        if (Files.isDirectory(shard)) {
          index.loadShard(shard);
        }
      }
    }
    return index;
  }

  private void loadShard(Path shard) throws IOException {
    Set<String> complete = new HashSet<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(shard, "*.json")) {
      for (Path meta : files) {
        Entry e;
        try {
          e = Entry.fromJson(new JsonObject(Files.readString(meta)));
        } catch (RuntimeException bad) {
          LOG.warning("unreadable artifact metadata " + meta + " (" + bad.getMessage() + "): removing it");
          Files.deleteIfExists(meta);
          continue;
        }
        Path data = dataPath(e.cid());
        if (!Files.exists(data) || Files.size(data) != e.size() || (e.hasDag() && !Files.exists(dagPath(e.cid())))) {
          // Read would fail verification: forget it now rather than serve an error later.
          LOG.warning("artifact " + e.cid() + " is incomplete on disk: removing it");
          deleteFiles(e.cid());
          continue;
        }
        entries.put(e.cid(), e);
        total.addAndGet(e.size());
        complete.add(e.cid().toString());
      }
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(shard)) {
      for (Path p : files) {
        String name = p.getFileName().toString();
        String cid = name.endsWith(".dag") ? name.substring(0, name.length() - 4) : name;
        if (!name.endsWith(".json") && !complete.contains(cid)) {
          Files.deleteIfExists(p); // bytes or nodes whose metadata was never written: an interrupted commit
        }
      }
    }
  }

  Path dataPath(Cid cid) {
    String s = cid.toString();
    return blobs.resolve(s.substring(s.length() - 2)).resolve(s);
  }

  Path dagPath(Cid cid) {
    return dataPath(cid).resolveSibling(cid + ".dag");
  }

  private Path metaPath(Cid cid) {
    return dataPath(cid).resolveSibling(cid + ".json");
  }

  Path newTemp() {
    return tmp.resolve(UUID.randomUUID() + ".part");
  }

  Entry entry(Cid cid) {
    return entries.get(cid);
  }

  ArtifactInfo info(Cid cid) {
    Entry e = entries.get(cid);
    return e == null ? null : e.info();
  }

  long totalBytes() {
    return total.get();
  }

  /** When {@code cid} is stored, adds the tag's claim (or touches the same claim) and answers the info; else null. */
  synchronized ArtifactInfo claimIfPresent(Cid cid, ArtifactTag tag, long now) throws IOException {
    Entry e = entries.get(cid);
    return e == null ? null : claim(e, tag, now).info();
  }

  /** Moves a fully written temporary file into place as {@code dag.root()}, or adds a claim when it is there already. */
  synchronized ArtifactInfo commit(Path temp, FileDag dag, ArtifactTag tag, long now) throws IOException {
    Cid cid = dag.root();
    Entry existing = entries.get(cid);
    if (existing != null) {
      Files.deleteIfExists(temp);
      return claim(existing, tag, now).info();
    }
    if (Files.size(temp) != dag.size()) {
      Files.deleteIfExists(temp);
      throw new IllegalStateException("wrote " + Files.size(temp) + " bytes for an artifact of " + dag.size());
    }
    Path data = dataPath(cid);
    Files.createDirectories(data.getParent());
    boolean hasDag = !dag.nodes().isEmpty();
    if (hasDag) {
      writeAtomically(dagPath(cid), dag.packNodes());
    }
    Files.move(temp, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Entry e = new Entry(cid, dag.size(), now, now, List.of(tag.claim(now)), hasDag);
    writeAtomically(metaPath(cid), e.toJson().toBuffer().getBytes());
    entries.put(cid, e);
    total.addAndGet(e.size());
    return e.info();
  }

  private Entry claim(Entry e, ArtifactTag tag, long now) throws IOException {
    ArtifactClaim claim = tag.claim(now);
    List<ArtifactClaim> claims = new ArrayList<>(e.claims());
    if (claims.stream().noneMatch(c -> c.sameAs(claim))) {
      claims.add(claim);
    }
    Entry updated = new Entry(e.cid(), e.size(), e.createdMs(), now, List.copyOf(claims), e.hasDag());
    writeAtomically(metaPath(e.cid()), updated.toJson().toBuffer().getBytes());
    entries.put(e.cid(), updated);
    return updated;
  }

  /** Removes {@code keyId}'s claims: null when it had none, else whether the artifact went whole. */
  synchronized Boolean removeClaims(Cid cid, String keyId) throws IOException {
    Entry e = entries.get(cid);
    if (e == null) {
      return null;
    }
    List<ArtifactClaim> kept = e.claims().stream().filter(c -> !c.sameHolder(keyId)).toList();
    if (kept.size() == e.claims().size()) {
      return null;
    }
    if (kept.isEmpty()) {
      remove(cid);
      return true;
    }
    Entry updated = new Entry(e.cid(), e.size(), e.createdMs(), e.touchedMs(), kept, e.hasDag());
    writeAtomically(metaPath(cid), updated.toJson().toBuffer().getBytes());
    entries.put(cid, updated);
    return false;
  }

  /** Removes the artifact whole; true when it was there. */
  synchronized boolean remove(Cid cid) throws IOException {
    Entry e = entries.remove(cid);
    if (e == null) {
      return false;
    }
    total.addAndGet(-e.size());
    deleteFiles(cid);
    return true;
  }

  /** Removes artifacts older than {@code maxAgeMs}, then the oldest beyond {@code maxBytes}; answers what went. */
  synchronized List<Cid> retain(long maxAgeMs, long maxBytes, long now) throws IOException {
    List<Entry> oldestFirst = new ArrayList<>(entries.values());
    oldestFirst.sort(Comparator.comparingLong(Entry::touchedMs).thenComparingLong(Entry::createdMs)
      .thenComparing(e -> e.cid().toString()));
    List<Cid> removed = new ArrayList<>();
    for (Entry e : oldestFirst) {
      boolean tooOld = maxAgeMs > 0 && e.touchedMs() < now - maxAgeMs;
      boolean tooMuch = maxBytes > 0 && total.get() > maxBytes;
      if (!tooOld && !tooMuch) {
        break; // sorted: everything after is newer, and the total fits
      }
      remove(e.cid());
      removed.add(e.cid());
    }
    return removed;
  }

  private void deleteFiles(Cid cid) throws IOException {
    Files.deleteIfExists(metaPath(cid)); // first: without it the rest is garbage at the next start, never an artifact
    Files.deleteIfExists(dataPath(cid));
    Files.deleteIfExists(dagPath(cid));
  }

  private void writeAtomically(Path target, byte[] bytes) throws IOException {
    Path temp = newTemp();
    try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
