package io.switchboard.core.testkit.speech;

import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * A local cloud text-to-speech API on 127.0.0.1: OpenAI's {@code POST /v1/audio/speech} and ElevenLabs'
 * {@code POST /v1/text-to-speech/{voice_id}/stream}, both taking a JSON body. Every request is recorded as it came
 * ({@link Seen}); the test says how the next answers go ({@link #reply}: audio with {@link AudioScript}, or a
 * provider's error body and status), and can wait for the client to close the connection ({@link #closed()}). An
 * adapter's base URL is {@code url("/v1")} for OpenAI, {@code url("")} for ElevenLabs.
 */
public final class FakeSpeechApi extends ScriptedApi<FakeSpeechApi.Seen, FakeSpeechApi> {

  /** One request: the ElevenLabs voice id from the path (null for OpenAI), query, headers, JSON body. */
  public record Seen(String path, String voiceId, MultiMap query, MultiMap headers, JsonObject body) {
  }

  private volatile Promise<Void> closed = Promise.promise();

  private FakeSpeechApi(Vertx vertx) {
    super("request to the fake");
    listen(vertx, router -> {
      router.post("/v1/audio/speech").handler(BodyHandler.create()).handler(this::handle);
      router.post("/v1/text-to-speech/:voice/stream").handler(BodyHandler.create()).handler(this::handle);
    });
  }

  public static FakeSpeechApi start(Vertx vertx) {
    return new FakeSpeechApi(vertx);
  }

  /** Answers the next requests with this status and JSON body ({@code retryAfter} may be null). */
  public FakeSpeechApi error(int status, String body, String retryAfter) {
    return reply(ctx -> {
      ctx.response().setStatusCode(status).putHeader("content-type", "application/json");
      if (retryAfter != null) {
        ctx.response().putHeader("retry-after", retryAfter);
      }
      ctx.response().end(body);
    });
  }

  /** Forgets what it saw, and starts watching for the next connection's close. */
  @Override
  public void forget() {
    super.forget();
    closed = Promise.promise();
  }

  /** Completes when the connection of a request since the last {@link #forget} is closed (by the client or the fake). */
  public io.vertx.core.Future<Void> closed() {
    return closed.future();
  }

  private void handle(RoutingContext ctx) {
    Promise<Void> watching = closed;
    ctx.request().connection().closeHandler(v -> watching.tryComplete());
    answer(new Seen(ctx.normalizedPath(), ctx.pathParam("voice"), MultiMap.caseInsensitiveMultiMap().addAll(ctx.queryParams()),
      MultiMap.caseInsensitiveMultiMap().addAll(ctx.request().headers()), ctx.body().asJsonObject()), ctx);
  }
}
