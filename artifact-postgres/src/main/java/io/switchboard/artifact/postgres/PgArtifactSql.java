package io.switchboard.artifact.postgres;

import java.util.List;

/**
 * The SQL of {@link PgArtifactStore}. Large-object ids are kept as {@code BIGINT} (an {@code oid} is unsigned 32-bit)
 * and cast where the {@code lo_*} functions take them: the client reads and binds {@code BIGINT} as a Java long. Bytes live in large objects (written with {@code lo_put}, read with
 * {@code lo_get}, server-side functions any role may call on its own objects, so the non-blocking client needs no
 * large-object API); a row per artifact holds its large object's oid and its DAG's nodes; a row per claim; a row per
 * upload in progress, so that an upload a crash interrupted is unlinked by the next retention run.
 */
final class PgArtifactSql {

  private PgArtifactSql() {
  }

  static final List<String> SCHEMA = List.of(
    "CREATE TABLE IF NOT EXISTS artifacts ("
      + " cid TEXT PRIMARY KEY, size BIGINT NOT NULL, oid BIGINT NOT NULL, nodes BYTEA NOT NULL,"
      + " created_ms BIGINT NOT NULL, touched_ms BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS artifacts_touched ON artifacts (touched_ms)",
    "CREATE TABLE IF NOT EXISTS artifact_claims ("
      + " cid TEXT NOT NULL REFERENCES artifacts (cid) ON DELETE CASCADE,"
      + " key_id TEXT NOT NULL," // '' for no key: part of the primary key
      + " kind TEXT NOT NULL, privacy TEXT NOT NULL, request_id TEXT, created_ms BIGINT NOT NULL,"
      + " PRIMARY KEY (cid, key_id, kind, privacy))",
    "CREATE TABLE IF NOT EXISTS artifact_uploads (oid BIGINT PRIMARY KEY, started_ms BIGINT NOT NULL)");

  static final String START_UPLOAD = "INSERT INTO artifact_uploads (oid, started_ms) VALUES (lo_create(0)::bigint, $1) RETURNING oid";
  static final String PUT = "SELECT lo_put($1::bigint::oid, $2, $3)";
  static final String GET = "SELECT lo_get($1::bigint::oid, $2, $3) AS data";
  static final String DROP_UPLOAD = unlinking("DELETE FROM artifact_uploads WHERE oid = $1 RETURNING oid");
  static final String FINISH_UPLOAD = "DELETE FROM artifact_uploads WHERE oid = $1";

  static final String INSERT = "INSERT INTO artifacts (cid, size, oid, nodes, created_ms, touched_ms)"
    + " VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (cid) DO NOTHING";
  static final String TOUCH = "UPDATE artifacts SET touched_ms = GREATEST(touched_ms, $2) WHERE cid = $1";
  static final String CLAIM = "INSERT INTO artifact_claims (cid, key_id, kind, privacy, request_id, created_ms)"
    + " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (cid, key_id, kind, privacy) DO NOTHING";

  static final String INFO = "SELECT a.size, a.created_ms, a.touched_ms, c.key_id, c.kind, c.privacy, c.request_id,"
    + " c.created_ms AS claimed_ms FROM artifacts a LEFT JOIN artifact_claims c ON c.cid = a.cid WHERE a.cid = $1"
    + " ORDER BY c.created_ms, c.key_id, c.kind, c.privacy";
  static final String OPEN = "SELECT size, oid, nodes FROM artifacts WHERE cid = $1";

  static final String DELETE_CLAIMS = "DELETE FROM artifact_claims WHERE cid = $1 AND key_id = $2";
  /** Removes the artifact when no claim is left; answers one row when it went. */
  static final String DELETE_UNCLAIMED = unlinking("DELETE FROM artifacts a WHERE a.cid = $1 AND NOT EXISTS"
    + " (SELECT 1 FROM artifact_claims c WHERE c.cid = a.cid) RETURNING oid");
  static final String DELETE = unlinking("DELETE FROM artifacts WHERE cid = $1 RETURNING oid");

  /** Removes the artifacts touched before $1; answers their cids. */
  static final String RETAIN_AGE = unlinkingAnsweringCids("DELETE FROM artifacts WHERE touched_ms < $1 RETURNING cid, oid");
  /** Keeps the newest artifacts whose sizes add up to at most $1; removes the rest, oldest included; answers their cids. */
  static final String RETAIN_SIZE = unlinkingAnsweringCids("DELETE FROM artifacts a USING (SELECT cid, SUM(size) OVER"
    + " (ORDER BY touched_ms DESC, created_ms DESC, cid DESC) AS running FROM artifacts) r WHERE a.cid = r.cid AND r.running > $1"
    + " RETURNING a.cid, a.oid");
  /** Uploads started before $1 and never finished (the node died): their large objects go. */
  static final String RETAIN_UPLOADS = "WITH gone AS (DELETE FROM artifact_uploads WHERE started_ms < $1 RETURNING oid)"
    + " SELECT lo_unlink(g.oid::oid) FROM gone g WHERE EXISTS (SELECT 1 FROM pg_largeobject_metadata m WHERE m.oid = g.oid::oid)";
  static final String TOTAL = "SELECT COALESCE(SUM(size), 0) AS total FROM artifacts";

  /**
   * {@code delete} (a {@code DELETE ... RETURNING oid}) with the large object of every row it removes unlinked in the same
   * statement, so that a removed row never leaves its bytes behind; one row answered per row removed.
   */
  private static String unlinking(String delete) {
    return "WITH gone AS (" + delete + ") SELECT lo_unlink(oid::oid) FROM gone";
  }

  /** {@link #unlinking} for a {@code DELETE ... RETURNING cid, oid}: each row answered names the artifact removed. */
  private static String unlinkingAnsweringCids(String delete) {
    return "WITH gone AS (" + delete + ") SELECT cid, lo_unlink(oid::oid) FROM gone";
  }
}
