package io.switchboard.core.cache;

import io.switchboard.api.Capability;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The entries this node put in the shared map, oldest first: what the size bound counts and evicts, and the index
 * from artifact CIDs to the entries that refer to them. Each node bounds its own writes, so a cluster of n nodes holds
 * at most n times {@code max_bytes} (plus Hazelcast's backup copy). Thread-safe.
 */
final class OwnEntries {

  record Own(String key, Capability capability, long bytes, long expiresAtMs, Set<String> refs) {
  }

  private final LinkedHashMap<String, Own> byKey = new LinkedHashMap<>();
  private final Map<String, Set<String>> byRef = new HashMap<>();
  private long bytes;

  /**
   * Records a new entry (a key written again moves to the newest) and answers the entries to evict so that the total
   * is at most {@code maxBytes}: expired ones are forgotten first (the map has dropped them already), then the oldest.
   */
  synchronized List<Own> add(Own entry, long maxBytes, long now) {
    drop(entry.key());
    byKey.put(entry.key(), entry);
    entry.refs().forEach(r -> byRef.computeIfAbsent(r, x -> new HashSet<>()).add(entry.key()));
    bytes += entry.bytes();
    List<Own> evicted = new ArrayList<>();
    if (bytes > maxBytes) {
      for (Own o : List.copyOf(byKey.values())) {
        if (o.expiresAtMs() <= now) {
          drop(o.key());
        }
      }
      Iterator<Own> oldest = List.copyOf(byKey.values()).iterator();
      while (bytes > maxBytes && oldest.hasNext()) {
        Own o = oldest.next();
        drop(o.key());
        evicted.add(o);
      }
    }
    return evicted;
  }

  /** Forgets the entries that refer to {@code cid} and answers them. */
  synchronized List<Own> referencing(String cid) {
    Set<String> keys = byRef.get(cid);
    if (keys == null) {
      return List.of();
    }
    List<Own> out = new ArrayList<>();
    for (String k : List.copyOf(keys)) {
      Own o = byKey.get(k);
      if (o != null) {
        out.add(o);
        drop(k);
      }
    }
    return out;
  }

  synchronized void remove(String key) {
    drop(key);
  }

  synchronized long bytes() {
    return bytes;
  }

  synchronized int count() {
    return byKey.size();
  }

  private void drop(String key) {
    Own o = byKey.remove(key);
    if (o == null) {
      return;
    }
    bytes -= o.bytes();
    for (String r : o.refs()) {
      Set<String> keys = byRef.get(r);
      if (keys != null) {
        keys.remove(key);
        if (keys.isEmpty()) {
          byRef.remove(r);
        }
      }
    }
  }
}
