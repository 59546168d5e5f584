package io.switchboard.voice.call;

import io.switchboard.api.Capability;
import io.switchboard.api.ChatChunks;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.StreamProtocol;
import io.switchboard.api.Usage;
import io.switchboard.core.stream.BusStreams;
import io.vertx.core.eventbus.Message;
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
  /** The tokens of every stream of this answer that reached the call so far; null while none has been counted. */
  private Usage usage;
  /** Characters of text the current stream has delivered. */
  private long streamChars;

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
   * The tokens this answer used ({@code input_tokens}, {@code output_tokens}): what its backend reported, plus, for a
   * stream cut (and continued on another backend) or cancelled after content, what that stream delivered (estimated as
   * the router records it); null until the answer is finished, and when no backend reported any.
   */
  JsonObject usage() {
    return usage == null ? null : usage.toInputOutputJson();
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
        if (ar.succeeded()) {
          unheard(ar.result(), body);
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
      streamChars = 0;
      String backend = stream.backend();
      stream.onLate(data -> late(backend, promptTokens(body), data));
      if (metrics.chatBackend == null) {
        metrics.chatBackend = backend;
      }
      stream.start();
      stream.done().onComplete(end -> {
        if (end.failed() && stream.delivered()) {
          // Cut or cancelled (barge-in, end of call) after content: the router bills what it delivered, estimated the
          // same way, so the call counts it too.
          count(backend, Usage.estimate(promptTokens(body), streamChars));
        }
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
    count(backend, end.getValue(StreamProtocol.USAGE) instanceof JsonObject reported ? Usage.fromJson(reported) : null);
    speaker.finish();
  }

  /**
   * What one stream of this answer used ({@code used}; null when it reported nothing, counted as 0 in the ledger):
   * into the call's ledger and this answer's total.
   */
  private void count(String backend, Usage used) {
    if (used != null) {
      usage = usage == null ? used : usage.plus(used);
    }
    Usage u = used == null ? Usage.ZERO : used;
    scope.ledger().tokens(u.promptTokens(), u.completionTokens());
    scope.ledger().served("chat", backend, scope.options().chatModel(), u.promptTokens(), u.completionTokens(), 0, 0);
  }

  /**
   * The first message of a stream asked for before this answer's cancel and arriving after it (the caller spoke before
   * the first token): answered with the cancel, unused, and counted as the router bills it: a stream cancelled at its
   * first message for the prompt and that message's text (estimated, as for any stream cancelled after content), a
   * whole answer in one message for the usage its backend reported.
   */
  private void unheard(Message<Object> first, JsonObject body) {
    if (!BusStreams.isStream(first)) {
      return;
    }
    String backend = first.headers().get(Headers.BACKEND);
    if (BusStreams.isEnd(first)) {
      count(backend, first.body() instanceof JsonObject end && end.getValue(StreamProtocol.USAGE) instanceof JsonObject reported
        ? Usage.fromJson(reported) : null);
      return;
    }
    BusStreams.cancel(first);
    count(backend, Usage.estimate(promptTokens(body), text(first.body())));
  }

  /**
   * The text of a message that came after this answer's cancel, unused: the router counted it in the cancelled
   * stream's estimate, so the call adds what it adds to that estimate.
   */
  private void late(String backend, long promptTokens, Object data) {
    long chars = text(data);
    if (chars > 0) {
      long before = Usage.estimate(promptTokens, streamChars).completionTokens();
      streamChars += chars;
      count(backend, new Usage(0, Usage.estimate(promptTokens, streamChars).completionTokens() - before));
    }
  }

  /** Characters of text in a stream message's chunks. */
  private static long text(Object data) {
    return data instanceof JsonObject json && json.getValue(StreamProtocol.CHUNKS) instanceof JsonArray chunks
      ? ChatChunks.textLength(chunks) : 0;
  }

  /** The prompt's tokens as the router estimates them for the same request. */
  private static long promptTokens(JsonObject body) {
    try {
      return ChatRequest.fromJson(body).estimatePromptTokens();
    } catch (MeshException e) {
      return 0; // the router refused such a request before any stream started
    }
  }

  private void chunks(JsonObject body) {
    for (Object o : body.getJsonArray(StreamProtocol.CHUNKS, new JsonArray())) {
      if (!(o instanceof JsonObject chunk)) {
        continue;
      }
      String text = ChatChunks.content(chunk);
      if (text == null) {
        continue;
      }
      streamChars += text.length();
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
    scope.nextBackend(Capability.CHAT, scope.options().chatModel(), failedBackends).onSuccess(next -> {
      if (cancelled) {
        return;
      }
      if (next != null) {
        JsonArray continued = original.copy();
        if (!spoken.isEmpty()) {
          continued.add(Conversation.message("assistant", spoken.toString())).add(Conversation.message("system", CONTINUE));
        }
        request(continued, next);
      } else {
        speaker.apologize("chat: the stream was cut and no other backend can go on: " + e.getMessage(), e.errorCode());
      }
    });
  }
}
