package io.switchboard.core.cache;

import io.switchboard.api.ArtifactRefs;
import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.api.Privacy;
import io.switchboard.api.StreamProtocol;
import io.switchboard.core.stream.BusStreams;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stream recorded as it is relayed ({@link CacheRecorder}), kept ({@link CachedAnswer#encode()}) and replayed
 * ({@link CacheReplay}) reaches a puller message for message as the backend sent it: chat chunks and speech audio
 * over the pulled stream protocol, the first message with the caller's headers and route, then the recorded end.
 */
@ExtendWith(VertxExtension.class)
class CacheReplayTest {

  private static final CachedAnswer.Origin CHAT = new CachedAnswer.Origin(Capability.CHAT, "openai", Privacy.CLOUD, "gpt-4o-mini",
    0.0004, new JsonObject().put("total_tokens", 31), ArtifactRefs.NONE, 1);
  private static final CachedAnswer.Origin SPEECH = new CachedAnswer.Origin(Capability.SPEECH, "local-tts", Privacy.LOCAL, "flite",
    0, new JsonObject(), ArtifactRefs.NONE, 1);

  private Vertx vertx;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    MeshExceptionCodec.register(vertx);
  }

  /** A backend serving {@code items} as a pulled stream, the way BackendVerticle does. */
  private <T> void backend(String address, List<T> items, JsonObject trailer, Function<List<T>, Object> encode,
                           String contentType) {
    vertx.eventBus().consumer(address, msg -> {
      ChunkPipe<T> pipe = new ChunkPipe<>(1);
      int[] next = {0};
      Runnable[] feed = new Runnable[1];
      feed[0] = () -> {
        if (next[0] == items.size()) {
          pipe.end(trailer);
        } else {
          pipe.drainHandler(feed[0]);
          pipe.write(items.get(next[0]++));
        }
      };
      feed[0].run();
      BusStreams.serve(msg, pipe, 5000, (batch, first) -> encode.apply(batch),
        (batch, t) -> contentType == null ? t.copy() : t.copy().put("content-type", contentType));
    });
  }

  /** Pulls a whole stream from {@code address}; answers every message (body and headers) in order. */
  private List<Message<Object>> pull(String address) {
    List<Message<Object>> got = new ArrayList<>();
    Message<Object> m = vertx.eventBus().request(address, new JsonObject()).await();
    got.add(m);
    while (!BusStreams.isEnd(m)) {
      m = BusStreams.next(m, 5000).await();
      got.add(m);
    }
    return got;
  }

  /** Relays like the router: records every data body and the end, then keeps the answer as the cache would. */
  private CachedAnswer record(List<Message<Object>> stream, CachedAnswer.Origin origin) {
    CacheRecorder recorder = new CacheRecorder(1 << 20);
    recorder.headers(stream.get(0).headers());
    for (Message<Object> m : stream.subList(0, stream.size() - 1)) {
      recorder.part(m.body());
    }
    CachedAnswer kept = recorder.finish(origin, (JsonObject) stream.get(stream.size() - 1).body());
    return CachedAnswer.decode(kept.encode());
  }

  private void replayAt(String address, CachedAnswer answer, Promise<Void> done) {
    vertx.eventBus().consumer(address, msg -> CacheReplay.serve(msg, answer,
        new DeliveryOptions().addHeader("x-switchboard-cache", "hit").addHeader("x-switchboard-backend", answer.backend()),
        new JsonObject().put("backend", answer.backend()).put("cache", "hit"), 5000)
      .onComplete(done));
  }

  private static JsonObject chunk(String content) {
    return new JsonObject().put(StreamProtocol.CHUNKS, new JsonArray().add(new JsonObject().put("object", "chat.completion.chunk")
      .put("choices", new JsonArray().add(new JsonObject().put("delta", new JsonObject().put("content", content))))));
  }

  @Test
  void aChatStreamReplaysMessageForMessage() {
    List<JsonObject> sent = List.of(chunk("Seine"), chunk(", Loire"), chunk(", Rhône."));
    JsonObject end = new JsonObject().put(StreamProtocol.CHUNKS, new JsonArray()).put("usage", new JsonObject().put("total_tokens", 31));
    backend("test.chat.backend", sent, end, batch -> batch.get(0), null);
    CachedAnswer answer = record(pull("test.chat.backend"), CHAT);

    Promise<Void> done = Promise.promise();
    replayAt("test.chat.replay", answer, done);
    List<Message<Object>> replayed = pull("test.chat.replay");
    done.future().await();

    assertEquals(4, replayed.size(), "three data messages and the end");
    assertEquals("hit", replayed.get(0).headers().get("x-switchboard-cache"));
    assertEquals(StreamProtocol.DATA, replayed.get(0).headers().get(StreamProtocol.HEADER));
    JsonObject first = ((JsonObject) replayed.get(0).body()).copy();
    assertEquals("openai", first.getJsonObject(StreamProtocol.ROUTE).getString("backend"));
    first.remove(StreamProtocol.ROUTE);
    assertEquals(sent.get(0), first);
    assertEquals(sent.get(1), replayed.get(1).body());
    assertEquals(sent.get(2), replayed.get(2).body());
    assertTrue(BusStreams.isEnd(replayed.get(3)));
    assertEquals(end, replayed.get(3).body());
  }

  @Test
  void aSpeechStreamReplaysItsAudioAndContentType() {
    List<Buffer> audio = List.of(Buffer.buffer("RIFF-first"), Buffer.buffer("second"), Buffer.buffer("third"));
    JsonObject trailer = new JsonObject().put("characters", 21).put("audio", Buffer.buffer());
    vertx.eventBus().consumer("test.speech.backend", msg -> {
      // The first message of a speech stream carries the content type, as BackendVerticle's does.
      msg.replyAndRequest(audio.get(0), BusStreams.data(5000).addHeader("content-type", "audio/wav"))
        .compose(c1 -> c1.replyAndRequest(audio.get(1), BusStreams.data(5000)))
        .compose(c2 -> c2.replyAndRequest(audio.get(2), BusStreams.data(5000)))
        .onSuccess(c3 -> c3.reply(trailer, BusStreams.end()));
    });
    CachedAnswer answer = record(pull("test.speech.backend"), SPEECH);
    assertEquals("audio/wav", answer.headers().getString("content-type"));

    Promise<Void> done = Promise.promise();
    replayAt("test.speech.replay", answer, done);
    List<Message<Object>> replayed = pull("test.speech.replay");
    done.future().await();
    assertEquals("audio/wav", replayed.get(0).headers().get("content-type"));
    Buffer all = Buffer.buffer();
    for (Message<Object> m : replayed) {
      Object body = m.body();
      all.appendBuffer(body instanceof Buffer b ? b : ((JsonObject) body).getBuffer("audio"));
    }
    assertEquals(Buffer.buffer("RIFF-firstsecondthird"), all);
    assertEquals(21, ((JsonObject) replayed.get(3).body()).getInteger("characters"));
  }

  @Test
  void aCallerThatCancelsStopsTheReplay() {
    CachedAnswer answer = CachedAnswer.stream(CHAT, null, List.of(chunk("a"), chunk("b"), chunk("c")),
      new JsonObject().put(StreamProtocol.CHUNKS, new JsonArray()));
    Promise<Void> done = Promise.promise();
    replayAt("test.cancel.replay", answer, done);
    Message<Object> first = vertx.eventBus().request("test.cancel.replay", new JsonObject()).await();
    Message<Object> second = BusStreams.next(first, 5000).await();
    BusStreams.cancel(second);
    MeshException e = assertInstanceOf(MeshException.class, assertThrows(Exception.class, () -> done.future().await()));
    assertEquals(ErrorCode.CANCELLED, e.errorCode());
  }

  @Test
  void aWholeAnswerAndAStreamWithNoDataMessages() {
    CachedAnswer whole = CachedAnswer.whole(CHAT, new JsonObject().put("object", "chat.completion")
      .put(StreamProtocol.ROUTE, new JsonObject().put("backend", "openai")));
    assertNull(whole.wholeJson().getValue(StreamProtocol.ROUTE), "the route is per request, not kept");
    vertx.eventBus().consumer("test.whole", msg -> CacheReplay.reply(msg, CachedAnswer.decode(whole.encode()),
      new DeliveryOptions().addHeader("x-switchboard-cache", "hit"), new JsonObject().put("cache", "hit")));
    Message<Object> reply = vertx.eventBus().request("test.whole", new JsonObject()).await();
    assertEquals("chat.completion", ((JsonObject) reply.body()).getString("object"));
    assertEquals("hit", ((JsonObject) reply.body()).getJsonObject(StreamProtocol.ROUTE).getString("cache"));

    CachedAnswer onlyEnd = CachedAnswer.stream(CHAT, null, List.of(), new JsonObject().put(StreamProtocol.CHUNKS, new JsonArray().add(1)));
    Promise<Void> done = Promise.promise();
    replayAt("test.end.replay", onlyEnd, done);
    List<Message<Object>> got = pull("test.end.replay");
    done.future().await();
    assertEquals(1, got.size());
    assertEquals(new JsonArray().add(1), ((JsonObject) got.get(0).body()).getJsonArray(StreamProtocol.CHUNKS));
  }

  @Test
  void anEntryWithoutItsAudioSecondsReadsThemFromTheTranscriptAndABrokenWholeFrameIsRefused() {
    JsonObject meta = new JsonObject().put("capability", "transcribe").put("backend", "local-whisper").put("privacy", "local")
      .put("model", "whisper-1").put("cost_usd", 0).put("usage", new JsonObject()).put("created_ms", 1L)
      .put("artifacts", new JsonObject()).put("headers", new JsonObject()).put("form", "whole").put("parts", 0);
    Buffer transcript = new JsonObject().put("text", "older entry").put("duration", 12.0).toBuffer();
    CachedAnswer older = CachedAnswer.decode(entry(meta, transcript));
    assertEquals(12.0, older.audioSeconds(), "an entry written before audio_seconds was kept");
    assertEquals(transcript, older.whole());
    assertThrows(IllegalArgumentException.class, () -> CachedAnswer.decode(entry(meta, Buffer.buffer("[1,2]"))),
      "a whole answer is a JSON object");
  }

  private static Buffer entry(JsonObject meta, Buffer whole) {
    Buffer m = meta.toBuffer();
    return Buffer.buffer().appendInt(m.length()).appendBuffer(m).appendByte((byte) 'J').appendInt(whole.length()).appendBuffer(whole);
  }

  @Test
  void aStreamLongerThanTheBoundIsNotKept() {
    CacheRecorder recorder = new CacheRecorder(10);
    recorder.part(Buffer.buffer("12345"));
    recorder.part(Buffer.buffer("678901"));
    assertTrue(recorder.overflowed());
    assertNull(recorder.finish(SPEECH, new JsonObject()));
  }
}
