package io.switchboard.api;

import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Usage records sent together on {@link Addresses#USAGE_BATCH}: what a router finished in one turn of its event loop.
 * Within a node the batch passes as the same object ({@link UsageBatchCodec}): no JSON is built, copied or parsed, and
 * one reply confirms every record in it, so a record costs the ledger a share of one message instead of a message.
 *
 * @param records the records, each already valid (built through {@link UsageRecord}'s constructor); not copied
 */
public record UsageBatch(List<UsageRecord> records) {

  public UsageBatch {
    if (records == null || records.isEmpty()) {
      throw new IllegalArgumentException("a usage batch needs at least one record");
    }
  }

  /**
   * The records of a message on {@link Addresses#USAGE} (one JSON record) or {@link Addresses#USAGE_BATCH}, for those
   * who watch the bus (interceptors, tests); an unreadable body gives none.
   */
  public static List<UsageRecord> recordsOf(Object body) {
    if (body instanceof UsageBatch b) {
      return b.records();
    }
    if (body instanceof JsonObject json) {
      try {
        return List.of(UsageRecord.fromJson(json));
      } catch (IllegalArgumentException e) {
        return List.of();
      }
    }
    return List.of();
  }
}
