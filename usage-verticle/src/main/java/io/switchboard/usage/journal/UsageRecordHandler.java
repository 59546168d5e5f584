package io.switchboard.usage.journal;

import io.switchboard.api.MeshException;
import io.switchboard.api.UsageRecord;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * Takes usage records from {@code switchboard.usage}. A record is answered {@code {"durable": true}} once it is
 * fsynced in the journal, so a sender that asks for a reply knows the record survives a crash; a sender that
 * does not ask (send / publish) is not slowed. A malformed record is refused with 400.
 */
public final class UsageRecordHandler implements Handler<Message<Object>> {

  private static final JsonObject DURABLE = new JsonObject().put("durable", true);

  private final GroupCommitter committer;

  public UsageRecordHandler(GroupCommitter committer) {
    this.committer = committer;
  }

  @Override
  public void handle(Message<Object> msg) {
    UsageRecord record;
    try {
      if (!(msg.body() instanceof JsonObject json)) {
        throw new IllegalArgumentException("a usage record must be a JSON object");
      }
      record = UsageRecord.fromJson(json);
    } catch (IllegalArgumentException e) {
      msg.reply(MeshException.invalid(null, e.getMessage()));
      return;
    }
    committer.append(record).onComplete(ar -> msg.reply(ar.succeeded() ? DURABLE : MeshException.from(ar.cause())));
  }
}
