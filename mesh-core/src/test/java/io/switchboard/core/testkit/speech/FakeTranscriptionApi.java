package io.switchboard.core.testkit.speech;

import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.FakeUpstream;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * A local cloud speech-to-text API on 127.0.0.1: OpenAI's {@code POST /v1/audio/transcriptions}, its multipart upload
 * parsed by vertx-web's BodyHandler (the file's bytes read back), and OpenRouter's {@code POST /api/v1/chat/completions}
 * taking the audio as base64 inside a chat message. Every request is recorded as it came ({@link Upload}); the test
 * says how the next answers go ({@link #reply}, {@link #error}).
 */
public final class FakeTranscriptionApi implements AutoCloseable {

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

  private final FakeUpstream server;
  private final BlockingQueue<Upload> uploads = new LinkedBlockingQueue<>();
  private volatile Consumer<RoutingContext> reply = ctx -> ctx.response().setStatusCode(500).end("no reply scripted");

  private FakeTranscriptionApi(Vertx vertx) {
    server = FakeUpstream.start(vertx, router -> {
      router.post("/v1/audio/transcriptions")
        .handler(BodyHandler.create("target/fake-uploads").setDeleteUploadedFilesOnEnd(true))
        .handler(this::multipart);
      router.post("/api/v1/chat/completions").handler(BodyHandler.create().setBodyLimit(32 << 20)).handler(ctx -> {
        uploads.add(new Upload(headers(ctx), MultiMap.caseInsensitiveMultiMap(), 0, null, null, null, null, ctx.body().asJsonObject()));
        reply.accept(ctx);
      });
    });
  }

  public static FakeTranscriptionApi start(Vertx vertx) {
    return new FakeTranscriptionApi(vertx);
  }

  /** The base URL an adapter is configured with: OpenAI's is {@code url("/v1")}, OpenRouter's {@code url("/api/v1")}. */
  public String url(String path) {
    return server.url(path);
  }

  public int port() {
    return server.port();
  }

  /** How the next requests are answered. */
  public FakeTranscriptionApi reply(Consumer<RoutingContext> reply) {
    this.reply = reply;
    return this;
  }

  /** Answers the next requests with this status, headers and body. */
  public FakeTranscriptionApi error(int status, MultiMap headers, String body) {
    return reply(ctx -> {
      ctx.response().setStatusCode(status).putHeader("content-type", "application/json");
      ctx.response().headers().addAll(headers);
      ctx.response().end(body);
    });
  }

  /** The next request the fake saw, waiting for it (bounded). */
  public Upload next() {
    return Await.next(uploads, "upload to the fake");
  }

  /** True when no request came since the last {@link #forget}. */
  public boolean sawNothing() {
    return uploads.isEmpty();
  }

  public void forget() {
    uploads.clear();
  }

  private void multipart(RoutingContext ctx) {
    FileUpload file = ctx.fileUploads().isEmpty() ? null : ctx.fileUploads().get(0);
    MultiMap form = MultiMap.caseInsensitiveMultiMap().addAll(ctx.request().formAttributes());
    if (file == null) {
      uploads.add(new Upload(headers(ctx), form, 0, null, null, null, null, null));
      reply.accept(ctx);
      return;
    }
    ctx.vertx().fileSystem().readFile(file.uploadedFileName()).onSuccess(bytes -> {
      uploads.add(new Upload(headers(ctx), form, ctx.fileUploads().size(), file.name(), file.fileName(), file.contentType(), bytes, null));
      reply.accept(ctx);
    });
  }

  private static MultiMap headers(RoutingContext ctx) {
    return MultiMap.caseInsensitiveMultiMap().addAll(ctx.request().headers());
  }

  @Override
  public void close() {
    server.close();
  }
}
