package io.switchboard.app.http;

import io.switchboard.core.testkit.FakeUpstream;
import io.switchboard.core.testkit.TestVertx;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Format-aware routing, as the OpenAI SDKs hit it: a node with local TTS that has no mp3 encoder (no ffmpeg) before an
 * OpenAI speech backend. The SDKs' default call asks for mp3: it must go to the backend that can produce it (the local
 * one is skipped, with the reason in the route header), never fail with the local backend's 415; wav stays local.
 */
class SpeechFormatRoutingHttpTest {

  static final String OPENAI_KEY = "sk-test-format-0123456789abcdef";
  /** Two MPEG-1 Layer III frame headers' worth of bytes: what the fake "encodes". */
  static final Buffer MP3 = Buffer.buffer(new byte[] {(byte) 0xFF, (byte) 0xFB, (byte) 0x90, 0x64, 0, 0, 0, 0});

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  static final Vertx vertx = vx.get();
  static FakeUpstream openai;
  static final List<JsonObject> asked = new CopyOnWriteArrayList<>();
  static HttpTestNode node;

  @BeforeAll
  static void start() throws Exception {
    openai = FakeUpstream.start(vertx, router -> router.post("/v1/audio/speech").handler(BodyHandler.create()).handler(ctx -> {
      asked.add(ctx.body().asJsonObject());
      ctx.response().putHeader("content-type", "audio/mpeg").end(MP3);
    }));
    JsonObject timeouts = new JsonObject().put("connect_ms", 2000).put("first_byte_ms", 10_000).put("idle_ms", 10_000);
    JsonArray backends = new JsonArray()
      .add(new JsonObject().put("id", "flite").put("type", "local-tts").put("priority", 10).put("ffmpeg_path", "/nonexistent/ffmpeg"))
      .add(new JsonObject().put("id", "openai-tts").put("type", "openai-speech").put("base_url", openai.url("/v1")).put("priority", 20)
        .put("models", new JsonArray().add("tts-1")).put("timeouts", timeouts));
    node = HttpTestNode.start(vertx, backends, new JsonObject(), Map.of("OPENAI_API_KEY", OPENAI_KEY));
  }

  private static HttpResponse<Buffer> speech(String format) throws Exception {
    JsonObject body = new JsonObject().put("model", "tts-1").put("input", "Format aware routing.").put("voice", "alloy");
    if (format != null) {
      body.put("response_format", format);
    }
    return node.postJson("/v1/audio/speech", body);
  }

  @Test
  void mp3GoesToTheBackendThatCanProduceItAndSaysWhyTheLocalOneWasSkipped() throws Exception {
    for (String format : new String[] {"mp3", null}) { // null: the SDKs' default, mp3
      HttpResponse<Buffer> res = speech(format);
      assertEquals(200, res.statusCode(), res.bodyAsString());
      assertEquals("openai-tts", res.getHeader("x-switchboard-backend"));
      assertEquals("audio/mpeg", res.getHeader("content-type"));
      assertEquals(MP3, res.body());
      String route = res.getHeader("x-switchboard-route");
      assertTrue(route.contains("skipped=flite(cannot produce mp3"), route);
    }
  }

  @Test
  void wavStaysLocal() throws Exception {
    int before = asked.size();
    HttpResponse<Buffer> res = speech("wav");
    assertEquals(200, res.statusCode(), res.bodyAsString());
    assertEquals("flite", res.getHeader("x-switchboard-backend"));
    assertEquals("RIFF", res.body().getString(0, 4));
    assertEquals(before, asked.size(), "nothing went to the cloud");
  }
}
