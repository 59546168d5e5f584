package io.switchboard.router.web;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.VoiceModes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;

/**
 * The operators' {@link VoiceModes} in the cluster-wide map {@link Addresses#VOICE_MODE_MAP}, changed by compare and
 * set: a change is computed from the stored value it read and written only if that value is still there, else read
 * again and recomputed. So two partial changes made at once through two routers both hold (one sets the split, the
 * other the fallback), where a plain read-then-put kept only the later. Each change stored carries the next
 * {@link VoiceModes#VERSION}; a change that names a version applies only to that version (an operator's edit of what
 * they last read: 409 {@code conflict} when someone changed it since).
 */
final class VoiceModeStore {

  /** Retries of a change that lost its compare and set to another change; more is a conflict reported to the caller. */
  static final int ATTEMPTS = 16;

  private final Vertx vertx;
  private final VoiceModes fromConf;

  VoiceModeStore(Vertx vertx, VoiceModes fromConf) {
    this.vertx = vertx;
    this.fromConf = fromConf;
  }

  /** What new calls start as: the stored change ({@code source: admin}) or this node's conf ({@code source: conf}, version 0). */
  Future<JsonObject> current() {
    return map().compose(map -> map.get(Addresses.VOICE_MODE_KEY)).map(this::read);
  }

  /**
   * Applies {@code change} (only what it gives; the rest stays) to the stored value and returns what was stored. Fails
   * with INVALID for a bad value, CONFLICT when {@code change} names a version that is not the stored one (or when
   * {@link #ATTEMPTS} other changes won in a row).
   */
  Future<JsonObject> change(JsonObject change) {
    Object expected = change.getValue(VoiceModes.VERSION);
    if (expected != null && !(expected instanceof Number n && n.longValue() >= 0 && n.doubleValue() == n.longValue())) {
      return Future.failedFuture(MeshException.invalid(VoiceModes.VERSION, "'version' must be a whole number >= 0, got " + expected));
    }
    return map().compose(map -> attempt(map, change, expected == null ? -1 : ((Number) expected).longValue(), 1));
  }

  private Future<JsonObject> attempt(AsyncMap<String, String> map, JsonObject change, long expected, int attempt) {
    return map.get(Addresses.VOICE_MODE_KEY).compose(stored -> {
      JsonObject now = read(stored);
      long version = now.getLong(VoiceModes.VERSION);
      if (expected >= 0 && expected != version) {
        return Future.failedFuture(new MeshException(ErrorCode.CONFLICT, "the voice mode is at version " + version
          + ", not " + expected + ": it was changed since it was read; read it again and apply the change to it"));
      }
      VoiceModes next;
      try {
        next = VoiceModes.fromJson(change, VoiceModes.fromJson(now.copy().put("mode", (Object) null), VoiceModes.DEFAULT));
      } catch (IllegalArgumentException e) {
        return Future.failedFuture(MeshException.invalid(null, e.getMessage()));
      }
      String json = next.toJson().put(VoiceModes.VERSION, version + 1).encode();
      Future<Boolean> written = stored == null
        ? map.putIfAbsent(Addresses.VOICE_MODE_KEY, json).map(previous -> previous == null)
        : map.replaceIfPresent(Addresses.VOICE_MODE_KEY, stored, json);
      return written.compose(won -> {
        if (won) {
          return Future.succeededFuture(read(json));
        }
        if (attempt == ATTEMPTS) {
          return Future.failedFuture(new MeshException(ErrorCode.CONFLICT,
            "the voice mode changed " + ATTEMPTS + " times while this change was applied: try again"));
        }
        return attempt(map, change, expected, attempt + 1);
      });
    });
  }

  private JsonObject read(String stored) {
    return stored == null
      ? fromConf.toJson().put(VoiceModes.VERSION, 0L).put("source", "conf")
      : new JsonObject(stored).put("source", "admin");
  }

  private Future<AsyncMap<String, String>> map() {
    return vertx.sharedData().getAsyncMap(Addresses.VOICE_MODE_MAP);
  }
}
