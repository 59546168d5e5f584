package io.switchboard.app.http;

import io.switchboard.core.testkit.FakeUpstream;
import io.switchboard.core.testkit.TestAudio;
import io.switchboard.core.testkit.TestVertx;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.switchboard.app.http.HttpTestNode.error;
import static io.switchboard.app.http.HttpTestNode.errorNaming;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad transcription uploads over HTTP, through the web verticle and router to {@code local-whisper} (the real model)
 * and to {@code openai-transcription} (against a fake of OpenAI's endpoint): each gets the right status and an
 * OpenAI error naming the problem, and the node still serves a good upload afterwards.
 */
class TranscriptionUploadErrorsHttpTest {

  static final String KEY = "sk-test-transcribe-0123456789abcdef";
  static final long UPLOAD_LIMIT = 400_000;
  /** A real 1x1 PNG. */
  static final Buffer PNG = Buffer.buffer(Base64.getDecoder().decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="));
  static final Buffer TEXT = Buffer.buffer("Dear team,\nplease find the minutes of Monday's meeting below.\n".repeat(20));

  /** What the fake OpenAI saw of one upload. */
  record Upload(String auth, String model, String fileName, Buffer bytes) {
  }

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  static final Vertx vertx = vx.get();
  static FakeUpstream openai;
  static final List<Upload> uploads = new CopyOnWriteArrayList<>();
  static HttpTestNode node;
  static Buffer wav;

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    wav = SpokenAudio.flite(dir);
    assertTrue(wav.length() < UPLOAD_LIMIT, "the good file fits the limit");
    openai = FakeUpstream.start(vertx, router -> router.post("/v1/audio/transcriptions")
      .handler(BodyHandler.create("target/fake-uploads").setDeleteUploadedFilesOnEnd(true))
      .handler(TranscriptionUploadErrorsHttpTest::fakeOpenAi));
    JsonObject cloud = new JsonObject().put("id", "openai-stt").put("type", "openai-transcription").put("priority", 20)
      .put("base_url", openai.url("/v1")).put("models", new JsonArray().add("whisper-1"))
      .put("timeouts", new JsonObject().put("connect_ms", 2000).put("first_byte_ms", 10_000).put("idle_ms", 10_000));
    node = HttpTestNode.start(vertx, new JsonArray().add(SpokenAudio.whisperBackend("whisper-local", 10)).add(cloud),
      new JsonObject().put("upload_limit_bytes", UPLOAD_LIMIT), Map.of("OPENAI_API_KEY", KEY));
  }

  @BeforeEach
  void clear() {
    uploads.clear();
  }

  /**
   * OpenAI's endpoint as documented: Bearer key; a file it cannot decode is 400 {@code invalid_request_error}
   * "Invalid file format"; otherwise the verbose transcript whisper-1 gives.
   */
  private static void fakeOpenAi(RoutingContext ctx) {
    if (!("Bearer " + KEY).equals(ctx.request().getHeader("authorization"))) {
      ctx.response().setStatusCode(401).putHeader("content-type", "application/json").end(new JsonObject().put("error", new JsonObject()
        .put("message", "Incorrect API key provided.").put("type", "invalid_request_error").putNull("param").put("code", "invalid_api_key")).encode());
      return;
    }
    if (ctx.fileUploads().isEmpty()) {
      ctx.response().setStatusCode(400).putHeader("content-type", "application/json").end(new JsonObject().put("error", new JsonObject()
        .put("message", "Missing required parameter: 'file'.").put("type", "invalid_request_error").put("param", "file")
        .put("code", "missing_required_parameter")).encode());
      return;
    }
    FileUpload file = ctx.fileUploads().get(0);
    ctx.vertx().fileSystem().readFile(file.uploadedFileName()).onSuccess(bytes -> {
      uploads.add(new Upload(ctx.request().getHeader("authorization"), ctx.request().getFormAttribute("model"), file.fileName(), bytes));
      if (!isAudio(bytes)) {
        ctx.response().setStatusCode(400).putHeader("content-type", "application/json").end(new JsonObject().put("error", new JsonObject()
          .put("message", "Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']")
          .put("type", "invalid_request_error").putNull("param").putNull("code")).encode());
        return;
      }
      ctx.json(new JsonObject().put("task", "transcribe").put("language", "english").put("duration", SpokenAudio.wavSeconds(bytes))
        .put("text", SpokenAudio.SENTENCE).put("segments", new JsonArray().add(new JsonObject().put("id", 0).put("seek", 0)
          .put("start", 0.0).put("end", SpokenAudio.wavSeconds(bytes)).put("text", " " + SpokenAudio.SENTENCE))));
    });
  }

  private static boolean isAudio(Buffer b) {
    return b.length() > 12 && b.getString(0, 4).equals("RIFF") && b.getString(8, 12).equals("WAVE");
  }

  private static HttpResponse<Buffer> upload(Multipart form, String provider) throws Exception {
    return node.postMultipart("/v1/audio/transcriptions", form, provider == null ? Map.of() : Map.of("x-switchboard-provider", provider));
  }

  private static Multipart good() {
    return new Multipart().field("model", "whisper-1").field("response_format", "json");
  }

  private static void assertGoodUploadServed(String provider) throws Exception {
    HttpResponse<Buffer> res = upload(good().file("file", "spoken.wav", "audio/wav", wav), provider);
    assertEquals(200, res.statusCode(), res.bodyAsString());
    assertEquals(provider, res.getHeader("x-switchboard-backend"));
    SpokenAudio.assertResembles(res.bodyAsJsonObject().getString("text"));
  }

  @Test
  void missingFileIs400NamingFile() throws Exception {
    errorNaming(upload(good(), null), 400, "file");
  }

  @Test
  void emptyFileIs400() throws Exception {
    JsonObject e = errorNaming(upload(good().file("file", "empty.wav", "audio/wav", Buffer.buffer()), null), 400, "file");
    assertTrue(e.getString("message").contains("empty"), e.encode());
  }

  @Test
  void fileUnderAnotherFieldIs400NamingBoth() throws Exception {
    JsonObject e = errorNaming(upload(good().file("audio", "spoken.wav", "audio/wav", wav), null), 400, "file");
    assertTrue(e.getString("message").contains("audio"), "the field that was sent is named: " + e.encode());
  }

  /** Two {@code file} parts are not one file: joined, they would be transcribed as audio nobody sent. */
  @Test
  void twoFilePartsAre400NamingFile() throws Exception {
    errorNaming(upload(good().file("file", "one.wav", "audio/wav", wav).file("file", "two.wav", "audio/wav", wav), null), 400, "file");
  }

  /** A body that does not match its boundary, or stops before the closing boundary, is answered, with 400. */
  @Test
  void malformedMultipartIs400() throws Exception {
    Multipart form = good().file("file", "spoken.wav", "audio/wav", wav);
    HttpResponse<Buffer> otherBoundary = node.onContext(() -> node.post("/v1/audio/transcriptions")
      .putHeader("content-type", "multipart/form-data; boundary=not-the-one-used").sendBuffer(form.body()))
      .await(HttpTestNode.WAIT_S, TimeUnit.SECONDS);
    error(otherBoundary, 400);
    Buffer whole = form.body();
    HttpResponse<Buffer> cut = node.onContext(() -> node.post("/v1/audio/transcriptions").putHeader("content-type", form.contentType())
      .sendBuffer(whole.getBuffer(0, whole.length() / 2))).await(HttpTestNode.WAIT_S, TimeUnit.SECONDS);
    error(cut, 400);
  }

  /** The first 30 bytes of a good WAV: the header ends inside its fmt chunk. Refused as the caller's, never a 500. */
  @Test
  void aWavHeaderCutShortIs400NamingFile() throws Exception {
    JsonObject e = errorNaming(upload(good().file("file", "cut.wav", "audio/wav", wav.getBuffer(0, 30)), "whisper-local"), 400, "file");
    assertTrue(e.getString("message").contains("truncated"), e.encode());
    assertEquals(List.of(), uploads);
  }

  @Test
  void fileOverTheUploadLimitIs413() throws Exception {
    Buffer big = TestAudio.wav(20, 16_000);
    assertTrue(big.length() > UPLOAD_LIMIT);
    JsonObject e = error(upload(good().file("file", "long.wav", "audio/wav", big), null), 413);
    assertTrue(e.getString("message").contains(String.valueOf(UPLOAD_LIMIT)), "the limit is named: " + e.encode());
    assertEquals(0, uploads.size(), "nothing went upstream");
  }

  @Test
  void jsonBodyIs415() throws Exception {
    HttpResponse<Buffer> res = node.postJson("/v1/audio/transcriptions", new JsonObject().put("model", "whisper-1").put("file", "spoken.wav"));
    assertTrue(error(res, 415).getString("message").contains("multipart/form-data"), res.bodyAsString());
  }

  @Test
  void missingModelIs400NamingModel() throws Exception {
    errorNaming(upload(new Multipart().field("response_format", "json").file("file", "spoken.wav", "audio/wav", wav), null), 400, "model");
  }

  @Test
  void unknownResponseFormatIs400() throws Exception {
    Multipart form = new Multipart().field("model", "whisper-1").field("response_format", "docx").file("file", "spoken.wav", "audio/wav", wav);
    errorNaming(upload(form, null), 400, "response_format");
  }

  /** The file's bytes decide, not its name or declared type: a PNG or a letter called speech.wav is still not audio. */
  @ParameterizedTest
  @ValueSource(strings = {"whisper-local", "openai-stt"})
  void nonAudioFilesAre415(String provider) throws Exception {
    List<Multipart> forms = List.of(
      good().file("file", "image.png", "image/png", PNG),
      good().file("file", "notes.txt", "text/plain", TEXT),
      good().file("file", "speech.wav", "audio/wav", PNG));
    for (Multipart form : forms) {
      HttpResponse<Buffer> res = upload(form, provider);
      JsonObject e = error(res, 415);
      assertEquals("unsupported_media_type", e.getString("code"), res.bodyAsString());
      assertEquals("file", e.getString("param"), res.bodyAsString());
    }
    assertEquals(List.of(), uploads, "a file that is not audio is refused here, not sent to a paid upstream");
  }

  @ParameterizedTest
  @ValueSource(strings = {"whisper-local", "openai-stt"})
  void aGoodUploadStillSucceedsAfterBadOnes(String provider) throws Exception {
    List<HttpResponse<Buffer>> bad = List.of(
      upload(good(), provider),
      upload(good().file("file", "empty.wav", "audio/wav", Buffer.buffer()), provider),
      upload(good().file("audio", "spoken.wav", "audio/wav", wav), provider),
      upload(good().file("file", "long.wav", "audio/wav", TestAudio.wav(20, 16_000)), provider),
      upload(good().file("file", "image.png", "image/png", PNG), provider),
      node.postJson("/v1/audio/transcriptions", new JsonObject().put("model", "whisper-1")));
    for (HttpResponse<Buffer> res : bad) {
      assertTrue(res.statusCode() >= 400 && res.statusCode() < 500, "refused as the caller's mistake: " + res.statusCode() + " " + res.bodyAsString());
    }
    assertGoodUploadServed(provider);
    if (provider.equals("openai-stt")) {
      Upload last = uploads.get(uploads.size() - 1);
      assertEquals("Bearer " + KEY, last.auth());
      assertEquals("whisper-1", last.model());
      assertEquals("spoken.wav", last.fileName());
      assertEquals(wav, last.bytes(), "the audio went upstream unchanged");
    }
  }
}
