package io.switchboard.router.web;

import io.switchboard.core.testkit.OnContext;
import io.switchboard.router.MeshFixture;
import io.switchboard.router.RecordingTranscriptionBackend;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST /v1/audio/transcriptions} over a real router and a real (recording) backend: a multi-megabyte upload
 * arrives whole with its form fields, with or without a declared length and when the client waits for
 * {@code 100 Continue}; a file over the limit, a cut body and a Content-Type without a boundary are refused.
 */
@ExtendWith(VertxExtension.class)
class WebTranscriptionTest {

  static final String BOUNDARY = "x-bench-7d3f";
  static final long LIMIT = 25L * 1024 * 1024; // the default, OpenAI's 25 MiB

  private MeshFixture mesh;
  private RecordingTranscriptionBackend asr;
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    mesh = new MeshFixture(vertx).router(new JsonObject());
    asr = mesh.deployed(new RecordingTranscriptionBackend("asr", "whisper-1"));
    mesh.web(new JsonObject().put("upload_limit_bytes", LIMIT));
    mesh.awaitLive(1);
    client = vertx.createHttpClient();
  }

  static Buffer audio(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return Buffer.buffer(bytes).setBytes(0, "RIFF".getBytes());
  }

  static Buffer form(Buffer file) {
    return Buffer.buffer()
      .appendString("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n")
      .appendString("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"language\"\r\n\r\nen\r\n")
      .appendString("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"call.wav\"\r\n"
        + "Content-Type: audio/wav\r\n\r\n")
      .appendBuffer(file)
      .appendString("\r\n--" + BOUNDARY + "--\r\n");
  }

  private RequestOptions post(String contentType) {
    return new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(mesh.port)
      .setURI("/v1/audio/transcriptions").putHeader("content-type", contentType);
  }

  /** The status and body; the body is asked for on the event loop, before it can arrive and be missed. */
  private JsonObject answer(Supplier<Future<HttpClientResponse>> response) throws Exception {
    return OnContext.start(mesh.context, () -> response.get()
        .compose(res -> res.body().map(body -> new JsonObject().put("status", res.statusCode()).put("body", body.toString())
          .put("artifacts", res.getHeader("x-switchboard-artifacts")))))
      .await(30, TimeUnit.SECONDS);
  }

  private JsonObject upload(Buffer body, String contentType) throws Exception {
    return answer(() -> client.request(post(contentType)).compose(req -> req.send(body)));
  }

  @Test
  void aLargeUploadArrivesWholeWithItsFields() throws Exception {
    Buffer file = audio(3_000_000);
    JsonObject res = upload(form(file), "multipart/form-data; boundary=" + BOUNDARY);
    assertEquals(200, res.getInteger("status"), res.encode());
    assertEquals(RecordingTranscriptionBackend.textFor(file), new JsonObject(res.getString("body")).getString("text"));
    assertAudioCid(file, res);
    assertEquals("en", asr.lastRequest.language());
    assertEquals("call.wav", asr.lastRequest.filename());
    assertEquals("audio/wav", asr.lastRequest.contentType());
  }

  /** An upload of the largest size allowed: every byte reaches the backend, and its CID is the file's. */
  @Test
  void theLargestUploadAllowedArrivesWholeWithItsCid() throws Exception {
    Buffer file = audio((int) LIMIT);
    JsonObject res = upload(form(file), "multipart/form-data; boundary=" + BOUNDARY);
    assertEquals(200, res.getInteger("status"), res.encode());
    assertEquals(RecordingTranscriptionBackend.textFor(file), new JsonObject(res.getString("body")).getString("text"));
    assertAudioCid(file, res);
  }

  /** Chunked transfer, written in odd pieces (shorter ones are gathered, longer ones kept as they came). */
  @Test
  void anUploadWithoutALengthArrivesWhole() throws Exception {
    Buffer file = audio(2_500_001);
    Buffer body = form(file);
    JsonObject res = answer(() -> client.request(post("multipart/form-data; boundary=" + BOUNDARY)).compose(req -> {
      req.setChunked(true);
      for (int at = 0; at < body.length(); at += 7777) {
        req.write(body.getBuffer(at, Math.min(body.length(), at + 7777)));
      }
      return req.end().compose(v -> req.response());
    }));
    assertEquals(200, res.getInteger("status"), res.encode());
    assertEquals(RecordingTranscriptionBackend.textFor(file), new JsonObject(res.getString("body")).getString("text"));
    assertAudioCid(file, res);
  }

  /**
   * The upload's CID (hashed on workers from the pieces the reader kept as they arrived) is the file's as computed at
   * once from its bytes (which CidHasherReferenceTest compares with ipfs-unixfs-importer).
   */
  private static void assertAudioCid(Buffer file, JsonObject res) {
    assertTrue(java.util.List.of(String.valueOf(res.getString("artifacts")).split("; "))
      .contains("audio_in=" + io.switchboard.core.cid.FileDag.of(file).root()), res.getString("artifacts"));
  }

  /** A client that sends {@code Expect: 100-continue} (curl does for large files) is told to go on at once. */
  @Test
  void aClientWaitingFor100ContinueIsAnswered() throws Exception {
    Buffer file = audio(100_000);
    Buffer body = form(file);
    Promise<Void> continued = Promise.promise();
    JsonObject res = answer(() -> client.request(post("multipart/form-data; boundary=" + BOUNDARY)
        .putHeader("expect", "100-continue").putHeader("content-length", Integer.toString(body.length())))
      .compose(req -> {
        req.continueHandler(v -> {
          continued.tryComplete();
          req.end(body);
        });
        return req.sendHead().compose(v -> req.response());
      }));
    assertTrue(continued.future().isComplete());
    assertEquals(200, res.getInteger("status"), res.encode());
  }

  @Test
  void aFileOverTheLimitIs413AndNeverReachesTheBackend() throws Exception {
    JsonObject res = upload(form(audio((int) LIMIT + 1)), "multipart/form-data; boundary=" + BOUNDARY);
    assertEquals(413, res.getInteger("status"), res.encode());
    assertTrue(res.getString("body").contains(Long.toString(LIMIT)), res.encode());
    assertNull(asr.lastAudio);
  }

  @Test
  void aCutBodyIs400() throws Exception {
    Buffer body = form(audio(200_000));
    JsonObject res = upload(body.getBuffer(0, body.length() / 2), "multipart/form-data; boundary=" + BOUNDARY);
    assertEquals(400, res.getInteger("status"), res.encode());
    assertTrue(res.getString("body").contains("malformed multipart body"), res.encode());
    assertNull(asr.lastAudio);
  }

  @Test
  void aContentTypeWithoutBoundaryIs400() throws Exception {
    JsonObject res = upload(form(audio(1000)), "multipart/form-data");
    assertEquals(400, res.getInteger("status"), res.encode());
    assertTrue(res.getString("body").contains("boundary"), res.encode());
  }
}
