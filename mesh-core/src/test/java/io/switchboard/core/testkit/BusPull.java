package io.switchboard.core.testkit;

import io.switchboard.api.StreamProtocol;
import io.switchboard.core.stream.BusStreams;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pulls a streamed chat answer over the bus as any caller does ({@link BusStreams#next} until
 * {@link BusStreams#isEnd}): what the stream delivered, then its end body or the failure that ended it.
 */
public final class BusPull {

  /** Messages a short test answer may take before the pull gives up: a stream that does not end is a failure. */
  private static final int MAX_MESSAGES = 10_000;

  /** What a pulled stream delivered: its chat chunks, then the end body or the failure. */
  public record Pulled(List<JsonObject> chunks, JsonObject end, ReplyException failure) {

    /** The text of every {@code choices[0].delta.content}, in order. */
    public String text() {
      return ChatText.of(chunks);
    }

    /** The usage the end body carries. */
    public JsonObject usage() {
      return end.getJsonObject(StreamProtocol.USAGE);
    }
  }

  private BusPull() {
  }

  /** Sends {@code body} to {@code address} and pulls the streamed answer to its end. */
  public static Pulled pull(Vertx vertx, String address, Object body, DeliveryOptions options) {
    List<JsonObject> chunks = new ArrayList<>();
    Future<Message<Object>> next = vertx.eventBus().request(address, body, options);
    for (int i = 0; i < MAX_MESSAGES; i++) {
      Message<Object> msg;
      try {
        msg = next.await(Await.SECONDS, TimeUnit.SECONDS);
      } catch (ReplyException e) {
        return new Pulled(chunks, null, e);
      } catch (TimeoutException e) {
        throw new AssertionError("no stream message within " + Await.SECONDS + " s", e);
      }
      assertTrue(BusStreams.isStream(msg), "a streamed reply carries the stream header");
      JsonObject message = (JsonObject) msg.body();
      message.getJsonArray(StreamProtocol.CHUNKS, new JsonArray()).forEach(c -> chunks.add((JsonObject) c));
      if (BusStreams.isEnd(msg)) {
        return new Pulled(chunks, message, null);
      }
      next = BusStreams.next(msg, Await.SECONDS * 1000);
    }
    throw new AssertionError("the stream did not end within " + MAX_MESSAGES + " messages");
  }
}
