package io.switchboard.api;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;

import java.util.ArrayList;
import java.util.List;

/**
 * The event-bus codec of {@link UsageBatch}. Locally the batch is handed over as it is (its records are immutable).
 * {@link Addresses#USAGE_BATCH} is local only, but should a batch ever cross the cluster it goes as a length-prefixed
 * JSON array of records, read back through {@link UsageRecord#fromJson}.
 */
public final class UsageBatchCodec extends JsonWireCodec<UsageBatch> {

  public static final String NAME = "switchboard.usage-batch";

  public UsageBatchCodec() {
    super(NAME);
  }

  /** Registers the codec as the default for {@link UsageBatch}; safe to call more than once per Vert.x. */
  public static void register(Vertx vertx) {
    registerOnce(vertx, UsageBatch.class, new UsageBatchCodec());
  }

  @Override
  Buffer toJson(UsageBatch batch) {
    JsonArray records = new JsonArray();
    batch.records().forEach(r -> records.add(r.toJson()));
    return records.toBuffer();
  }

  @Override
  UsageBatch fromJson(Buffer buffer) {
    JsonArray json = new JsonArray(buffer);
    List<UsageRecord> records = new ArrayList<>(json.size());
    for (int i = 0; i < json.size(); i++) {
      records.add(UsageRecord.fromJson(json.getJsonObject(i)));
    }
    return new UsageBatch(records);
  }
}
