package io.switchboard.usage.journal;

import io.switchboard.api.MeshException;
import io.switchboard.api.UsageBatch;
import io.switchboard.api.UsageDurability;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * Takes usage records from {@code switchboard.usage} (one JSON record) and {@code switchboard.usage.batch} (a
 * {@link UsageBatch} from this node's router: one reply for all its records), on the event loop, and hands them to the
 * {@link JournalWriter}, which writes them on this event loop (durability process: a copy into the mapped journal) or
 * on its own thread. A record is answered
 * {@code {"durability": "process"}} (or {@code "machine"}) once it is in the journal at the ledger's durability, so a
 * sender that asks for a reply knows what the record survives; a sender that does not ask (send / publish) is not
 * slowed. A malformed record is refused with 400.
 */
public final class UsageRecordHandler implements Handler<Message<Object>> {

  private final JournalWriter writer;
  private final JsonObject confirmed;

  public UsageRecordHandler(JournalWriter writer, UsageDurability durability) {
    this.writer = writer;
    this.confirmed = new JsonObject().put("durability",
      (durability == UsageDurability.MACHINE ? UsageDurability.MACHINE : UsageDurability.PROCESS).wireName());
  }

  @Override
  public void handle(Message<Object> msg) {
    if (msg.body() instanceof UsageBatch batch) {
      writer.append(batch, failure -> msg.reply(failure == null ? confirmed : failure));
    } else if (msg.body() instanceof JsonObject json) {
      writer.append(json, failure -> msg.reply(failure == null ? confirmed : failure));
    } else {
      msg.reply(MeshException.invalid(null, "a usage record must be a JSON object"));
    }
  }
}
