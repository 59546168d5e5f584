package io.switchboard.core.testkit.speech;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * A local cloud speech-to-text API on 127.0.0.1: OpenAI's {@code POST /v1/audio/transcriptions}, its multipart upload
 * parsed by vertx-web's BodyHandler (the file's bytes read back), and OpenRouter's {@code POST /api/v1/chat/completions}
 * taking the audio as base64 inside a chat message. Every request is recorded as it came ({@link Upload}); the test
 * says how the next answers go ({@link #reply}, {@link #error}). An adapter's base URL is {@code url("/v1")} for
 * OpenAI, {@code url("/api/v1")} for OpenRouter.
 */
public final class FakeTranscriptionApi extends ScriptedApi<FakeTranscriptionApi.Upload, FakeTranscriptionApi> {

  /**
   * One request: headers, the multipart form fields and file (OpenAI; {@code files} 0 when none came) or the JSON
   * body (OpenRouter).
   */
  public record Upload(MultiMap headers, MultiMap form, int files, String field, String fileName, String contentType,
                       Buffer bytes, JsonObject json) {
    public String auth() {
      return headers.get("authorization");
    }
  }

  private FakeTranscriptionApi(Vertx vertx) {
    super("upload to the fake");
    listen(vertx, router -> {
      router.post("/v1/audio/transcriptions")
        .handler(BodyHandler.create("target/fake-uploads").setDeleteUploadedFilesOnEnd(true))
        .handler(this::multipart);
      router.post("/api/v1/chat/completions").handler(BodyHandler.create().setBodyLimit(32 << 20)).handler(ctx ->
        answer(new Upload(headers(ctx), MultiMap.caseInsensitiveMultiMap(), 0, null, null, null, null, ctx.body().asJsonObject()), ctx));
    });
  }

  public static FakeTranscriptionApi start(Vertx vertx) {
    return new FakeTranscriptionApi(vertx);
  }

  /** Answers the next requests with this status, headers (over a JSON content-type) and body. */
  public FakeTranscriptionApi error(int status, MultiMap headers, String body) {
    return reply(ctx -> {
      ctx.response().setStatusCode(status).putHeader("content-type", "application/json");
      ctx.response().headers().setAll(headers);
      ctx.response().end(body);
    });
  }

  private void multipart(RoutingContext ctx) {
    FileUpload file = ctx.fileUploads().isEmpty() ? null : ctx.fileUploads().get(0);
    MultiMap form = MultiMap.caseInsensitiveMultiMap().addAll(ctx.request().formAttributes());
    if (file == null) {
      answer(new Upload(headers(ctx), form, 0, null, null, null, null, null), ctx);
      return;
    }
    ctx.vertx().fileSystem().readFile(file.uploadedFileName()).onSuccess(bytes -> {
      answer(new Upload(headers(ctx), form, ctx.fileUploads().size(), file.name(), file.fileName(), file.contentType(), bytes, null), ctx);
    });
  }

  private static MultiMap headers(RoutingContext ctx) {
    return MultiMap.caseInsensitiveMultiMap().addAll(ctx.request().headers());
  }
}
