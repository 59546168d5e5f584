package io.switchboard.core.testkit.anthropic;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The streaming side of {@link FakeAnthropic}: one answer as Anthropic's documented SSE events, each with its
 * {@code event:} line, written one by one, honouring TCP back-pressure and the fake's injected faults.
 */
final class FakeAnthropicSse {
  private final FakeAnthropic fake;
  private final HttpServerResponse resp;
  private final JsonObject body;
  private final FakeAnthropic.Answer answer;
  private final List<String> events = new ArrayList<>();
  private int next;
  private int sentHere;

  FakeAnthropicSse(FakeAnthropic fake, HttpServerResponse resp, JsonObject body, FakeAnthropic.Answer answer) {
    this.fake = fake;
    this.resp = resp;
    this.body = body;
    this.answer = answer;
  }

  void start() {
    resp.setChunked(true).putHeader("content-type", "text/event-stream").putHeader("cache-control", "no-cache");
    JsonObject start = fake.message(body, answer).put("content", new JsonArray()).put("stop_reason", (String) null);
    start.getJsonObject("usage").put("output_tokens", 1);
    event("message_start", new JsonObject().put("type", "message_start").put("message", start));
    event("content_block_start", new JsonObject().put("type", "content_block_start").put("index", 0)
      .put("content_block", new JsonObject().put("type", "text").put("text", "")));
    event("ping", new JsonObject().put("type", "ping"));
    for (String piece : answer.pieces()) {
      event("content_block_delta", new JsonObject().put("type", "content_block_delta").put("index", 0)
        .put("delta", new JsonObject().put("type", "text_delta").put("text", piece)));
    }
    event("content_block_stop", new JsonObject().put("type", "content_block_stop").put("index", 0));
    if (fake.toolName != null) {
      event("content_block_start", new JsonObject().put("type", "content_block_start").put("index", 1)
        .put("content_block", new JsonObject().put("type", "tool_use").put("id", "toolu_01A").put("name", fake.toolName)
          .put("input", new JsonObject())));
      String json = fake.toolInput.encode();
      int half = json.length() / 2;
      for (String part : List.of(json.substring(0, half), json.substring(half))) {
        event("content_block_delta", new JsonObject().put("type", "content_block_delta").put("index", 1)
          .put("delta", new JsonObject().put("type", "input_json_delta").put("partial_json", part)));
      }
      event("content_block_stop", new JsonObject().put("type", "content_block_stop").put("index", 1));
    }
    event("message_delta", new JsonObject().put("type", "message_delta")
      .put("delta", new JsonObject().put("stop_reason", answer.stopReason()).put("stop_sequence", answer.stopSequence()))
      .put("usage", new JsonObject().put("output_tokens", answer.pieces().size())));
    event("message_stop", new JsonObject().put("type", "message_stop"));
    pump();
  }

  private void event(String name, JsonObject data) {
    events.add("event: " + name + "\ndata: " + data.encode() + "\n\n");
  }

  private void pump() {
    int deltas = 0;
    while (next < events.size()) {
      if (resp.closed()) {
        return;
      }
      String e = events.get(next);
      boolean isDelta = e.startsWith("event: content_block_delta");
      int sent = sentHere;
      if (isDelta && sent == fake.cutAfterDeltas) {
        resp.reset(); // the connection drops mid-stream
        return;
      }
      if (isDelta && sent == fake.stallAfterDeltas) {
        return; // goes silent, connection open
      }
      if (isDelta && sent == fake.errorEventAfterDeltas) {
        resp.end("event: error\ndata: " + new JsonObject().put("type", "error")
          .put("error", new JsonObject().put("type", fake.errorEventType).put("message", "Overloaded")).encode() + "\n\n");
        return;
      }
      next++;
      if (isDelta) {
        fake.deltasSent.incrementAndGet();
        sentHere++;
        deltas++;
        fake.changed();
      }
      if (next == events.size()) {
        resp.end(e);
        fake.streamFinished = true;
        return;
      }
      resp.write(e);
      if (resp.writeQueueFull()) {
        fake.blockedWrites.incrementAndGet();
        fake.waitingForDrain = true;
        fake.changed();
        resp.drainHandler(v -> {
          fake.waitingForDrain = false;
          pump();
        });
        return;
      }
      if (isDelta && fake.paceMs > 0) {
        fake.vertx().setTimer(fake.paceMs, t -> pump());
        return;
      }
      if (deltas >= 256) {
        fake.vertx().runOnContext(v -> pump()); // let the event loop breathe on very long answers
        return;
      }
    }
  }
}
