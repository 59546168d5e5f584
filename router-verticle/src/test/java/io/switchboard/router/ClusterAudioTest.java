package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.core.backend.BackendVerticle;
import io.switchboard.core.testkit.ClusterPair;
import io.switchboard.core.testkit.OnContext;
import io.switchboard.router.web.WebVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Audio across the cluster: the router and web verticle on one node, the transcription backend on another. The
 * upload crosses the wire with the mesh's audio codec and arrives whole; a caller that sends a plain {@code Buffer}
 * (no codec) is served the same way.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterAudioTest {

  static final String BOUNDARY = "cluster-audio-boundary";

  private ClusterPair cluster;
  private RecordingTranscriptionBackend asr;
  private int web;

  @BeforeAll
  void start() throws Exception {
    cluster = ClusterPair.start();
    cluster.a.deployVerticle(new RouterVerticle(), new DeploymentOptions().setConfig(new JsonObject())).await(30, TimeUnit.SECONDS);
    WebVerticle webVerticle = new WebVerticle();
    cluster.a.deployVerticle(webVerticle, new DeploymentOptions().setConfig(new JsonObject().put("port", 0).put("host", "127.0.0.1")))
      .await(30, TimeUnit.SECONDS);
    web = webVerticle.actualPort();
    asr = new RecordingTranscriptionBackend("remote-asr", "whisper-1");
    cluster.b.deployVerticle(new BackendVerticle(asr), new DeploymentOptions().setConfig(new JsonObject().put("heartbeat_ms", 200)))
      .await(30, TimeUnit.SECONDS);
    MeshFixture.awaitLive(cluster.a, 1);
  }

  @AfterAll
  void stop() throws Exception {
    cluster.close();
  }

  static Buffer audio(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return Buffer.buffer(bytes).setBytes(0, "RIFF".getBytes());
  }

  @Test
  void anUploadCrossesTheClusterWhole() throws Exception {
    Buffer file = audio(3_000_001);
    Buffer form = Buffer.buffer()
      .appendString("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n")
      .appendString("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"call.wav\"\r\n\r\n")
      .appendBuffer(file).appendString("\r\n--" + BOUNDARY + "--\r\n");
    HttpResponse<Buffer> res = OnContext.start(cluster.a, () -> WebClient.create(cluster.a).post(web, "127.0.0.1", "/v1/audio/transcriptions")
      .putHeader("content-type", "multipart/form-data; boundary=" + BOUNDARY).sendBuffer(form)).await(60, TimeUnit.SECONDS);
    assertEquals(200, res.statusCode(), res.bodyAsString());
    assertEquals(RecordingTranscriptionBackend.textFor(file), res.bodyAsJsonObject().getString("text"));
    assertEquals("remote-asr", res.getHeader("x-switchboard-backend"));
  }

  /** Another JVM service on the bus need not know the codec: a plain Buffer is the same request. */
  @Test
  void aPlainBufferOnTheBusIsServedToo() throws Exception {
    Buffer file = audio(500_000);
    DeliveryOptions options = new DeliveryOptions().addHeader(TranscriptionRequest.PARAMS_HEADER,
      new JsonObject().put("model", "whisper-1").put("filename", "a.wav").encode());
    JsonObject verbose = cluster.a.eventBus().<JsonObject>request(Addresses.TRANSCRIBE, file, options).await(60, TimeUnit.SECONDS).body();
    assertEquals(RecordingTranscriptionBackend.textFor(file), verbose.getString("text"));
  }
}
