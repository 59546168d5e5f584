package io.switchboard.api;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The event-bus codec of {@link UsageBatch}. Locally the batch is handed over as it is (its records are immutable).
 * {@link Addresses#USAGE_BATCH} is local only, but should a batch ever cross the cluster it goes as a length-prefixed
 * JSON array of records, read back through {@link UsageRecord#fromJson}.
 */
public final class UsageBatchCodec implements MessageCodec<UsageBatch, UsageBatch> {

  public static final String NAME = "switchboard.usage-batch";

  /** Registers the codec as the default for {@link UsageBatch}; safe to call more than once per Vert.x. */
  public static void register(Vertx vertx) {
    try {
      vertx.eventBus().registerDefaultCodec(UsageBatch.class, new UsageBatchCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // another verticle of this Vert.x instance registered it first
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, UsageBatch batch) {
    JsonArray records = new JsonArray();
    batch.records().forEach(r -> records.add(r.toJson()));
    Buffer json = records.toBuffer();
    buffer.appendInt(json.length()).appendBuffer(json);
  }

  @Override
  public UsageBatch decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    JsonArray json = new JsonArray(buffer.getBuffer(pos + 4, pos + 4 + length));
    List<UsageRecord> records = new ArrayList<>(json.size());
    for (int i = 0; i < json.size(); i++) {
      records.add(UsageRecord.fromJson(json.getJsonObject(i)));
    }
    return new UsageBatch(records);
  }

  @Override
  public UsageBatch transform(UsageBatch batch) {
    return batch;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
