package io.switchboard.voice.call;

import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.StreamProtocol;
import io.switchboard.core.stream.BusStreams;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The chat stage of one turn: the history to {@code switchboard.chat} as a stream, the text cut into pieces as it
 * arrives ({@link SentenceChunker}) and each piece handed to the {@link Speaker} at once, so speech of the first
 * sentence starts while the rest is still being written. A stream cut after it started goes on on the next backend
 * the registry offers, asked to continue from the last whole piece (the piece cut mid-way is not spoken); a chat no
 * backend can answer ends in the spoken apology. An answer prepared before the caller's turn is confirmed
 * ({@link #hold}) keeps its text events until {@link #release}: a client sees no text of an answer that may be
 * discarded. On the call's context only.
 */
final class Answer {

  static final String CONTINUE = "Your previous reply was cut off after the text above. Continue it from exactly where it "
    + "stopped, without repeating anything.";

  private final CallScope scope;
  private final TurnMetrics metrics;
  private final Speaker speaker;
  private final SentenceChunker chunker;
  private final Set<String> failedBackends = new HashSet<>();
  private final StringBuilder spoken = new StringBuilder();
  private JsonArray original;
  private PulledStream current;
  private boolean cancelled;
  private List<JsonObject> heldEvents;
  private JsonObject usage;

  Answer(CallScope scope, TurnMetrics metrics, Speaker speaker) {
    this.scope = scope;
    this.metrics = metrics;
    this.speaker = speaker;
    var c = scope.options().chunking();
    this.chunker = new SentenceChunker(c.firstClauseChars(), c.clauseChars(), c.maxPieceChars());
  }

  /** Asks for the answer to {@code messages} (the system prompt, the history and the new transcript). */
  void start(JsonArray messages) {
    original = messages;
    request(messages, null);
  }

  /** Keeps the text events until {@link #release}. */
  void hold() {
    heldEvents = new ArrayList<>();
  }

  /** Sends the text events kept so far, and the next ones as they come. */
  void release() {
    List<JsonObject> kept = heldEvents;
    heldEvents = null;
    if (kept != null) {
      kept.forEach(scope.transport()::event);
    }
  }

  /**
   * The tokens the chat backend reported for this answer ({@code input_tokens}, {@code output_tokens}); null until
   * the answer is finished, and when the backend reported none.
   */
  JsonObject usage() {
    return usage;
  }

  /** Stops the stream (barge-in): the cancel reaches the backend. */
  void cancel() {
    cancelled = true;
    if (current != null) {
      current.cancel();
    }
  }

  private void request(JsonArray messages, String provider) {
    CallOptions o = scope.options();
    JsonObject body = o.hints(new JsonObject().put("model", o.chatModel()).put("messages", messages).put("max_tokens", o.maxTokens()));
    if (provider != null) {
      body.put("provider", provider);
    }
    if (metrics.chatSent < 0) {
      metrics.chatSent = TurnMetrics.now();
    }
    scope.ledger().requested("chat");
    scope.stages().chat(scope.stages().requestId(metrics.turn, "chat"), body).onComplete(ar -> {
      if (cancelled) {
        if (ar.succeeded() && BusStreams.isStream(ar.result()) && !BusStreams.isEnd(ar.result())) {
          BusStreams.cancel(ar.result());
        }
        return;
      }
      if (ar.failed()) {
        scope.ledger().failed("chat", null);
        failed(null, MeshException.from(ar.cause()), false);
        return;
      }
      PulledStream stream = new PulledStream(ar.result(), scope.stages().timeoutMs(), data -> chunks((JsonObject) data));
      current = stream;
      String backend = stream.backend();
      if (metrics.chatBackend == null) {
        metrics.chatBackend = backend;
      }
      stream.start();
      stream.done().onComplete(end -> {
        if (cancelled) {
          return;
        }
        if (end.succeeded()) {
          finished(backend, (JsonObject) end.result());
        } else {
          scope.ledger().failed("chat", backend);
          failed(backend, MeshException.from(end.cause()), stream.delivered());
        }
      });
    });
  }

  private void finished(String backend, JsonObject end) {
    chunks(end);
    chunker.flush().forEach(this::piece);
    JsonObject reported = end.getJsonObject(StreamProtocol.USAGE);
    JsonObject counts = reported == null ? new JsonObject() : reported;
    long in = counts.getLong("prompt_tokens", 0L);
    long out = counts.getLong("completion_tokens", 0L);
    if (reported != null) {
      usage = new JsonObject().put("input_tokens", in).put("output_tokens", out);
    }
    scope.ledger().tokens(in, out);
    scope.ledger().served("chat", backend, scope.options().chatModel(), in, out, 0, 0);
    speaker.finish();
  }

  private void chunks(JsonObject body) {
    for (Object o : body.getJsonArray(StreamProtocol.CHUNKS, new JsonArray())) {
      if (!(o instanceof JsonObject chunk)) {
        continue;
      }
      JsonArray choices = chunk.getJsonArray("choices", new JsonArray());
      if (choices.isEmpty()) {
        continue;
      }
      String text = choices.getJsonObject(0).getJsonObject("delta", new JsonObject()).getString("content");
      if (text == null || text.isEmpty()) {
        continue;
      }
      if (metrics.firstToken < 0) {
        metrics.firstToken = TurnMetrics.now();
      }
      JsonObject delta = new JsonObject().put("type", "response.text.delta").put("turn", metrics.turn).put("delta", text);
      if (heldEvents != null) {
        heldEvents.add(delta);
      } else {
        scope.transport().event(delta);
      }
      chunker.push(text).forEach(this::piece);
    }
  }

  private void piece(String text) {
    spoken.append(spoken.isEmpty() ? "" : " ").append(text);
    speaker.say(text);
  }

  private void failed(String backend, MeshException e, boolean delivered) {
    if (e.errorCode() == ErrorCode.CANCELLED && cancelled) {
      return;
    }
    if (!delivered) {
      // Before any text the router already tried every backend it could: none can answer.
      speaker.apologize("chat: " + e.getMessage(), e.errorCode());
      return;
    }
    chunker.discardPending();
    failedBackends.add(backend);
    scope.view().alternative(Capability.CHAT, scope.options().chatModel(), scope.options().privacy(), failedBackends)
      .onComplete(ar -> {
        if (cancelled) {
          return;
        }
        if (ar.succeeded() && ar.result() != null) {
          JsonArray continued = original.copy();
          if (!spoken.isEmpty()) {
            continued.add(Conversation.message("assistant", spoken.toString())).add(Conversation.message("system", CONTINUE));
          }
          request(continued, ar.result());
        } else {
          speaker.apologize("chat: the stream was cut and no other backend can go on: " + e.getMessage(), e.errorCode());
        }
      });
  }
}
