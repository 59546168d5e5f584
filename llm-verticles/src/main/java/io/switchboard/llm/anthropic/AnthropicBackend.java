package io.switchboard.llm.anthropic;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.ChatBackend;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Chat through Anthropic's Messages API behind the mesh's OpenAI-shaped surface: the request is translated by
 * {@link MessagesRequestMapper}, whole answers by {@link MessagesResponseMapper}, streams by {@link AnthropicStream}.
 * The key travels only in the {@code x-api-key} header and is redacted from every error text.
 */
public final class AnthropicBackend implements ChatBackend {

  private static final System.Logger LOG = System.getLogger(AnthropicBackend.class.getName());

  private final Vertx vertx;
  private final AnthropicSettings settings;
  private final BackendDescriptor descriptor;
  private final HttpClientAgent client;

  AnthropicBackend(Vertx vertx, AnthropicSettings settings, BackendDescriptor descriptor) {
    this.vertx = vertx;
    this.settings = settings;
    this.descriptor = descriptor;
    this.client = vertx.createHttpClient(
      new HttpClientOptions().setConnectTimeout((int) settings.connectMs()).setKeepAlive(true),
      new PoolOptions().setHttp1MaxSize(Math.max(4, descriptor.concurrency())));
  }

  @Override
  public BackendDescriptor descriptor() {
    return descriptor;
  }

  @Override
  public Future<Void> stop() {
    return client.close();
  }

  @Override
  public Future<JsonObject> chat(ChatRequest request, CallContext context) {
    JsonObject body;
    try {
      body = MessagesRequestMapper.toMessagesBody(request, settings.defaultMaxTokens());
    } catch (MeshException e) {
      return Future.failedFuture(e);
    }
    body.remove("stream");
    long created = System.currentTimeMillis() / 1000;
    long budget = Math.min(context.remainingMs(), settings.totalMs());
    Promise<JsonObject> result = Promise.promise();
    AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
    long timer = vertx.setTimer(budget, t -> {
      if (result.tryFail(new MeshException(ErrorCode.TIMEOUT, "anthropic: no answer within " + budget + " ms"))) {
        HttpClientRequest r = sent.get();
        if (r != null) {
          r.reset();
        }
      }
    });
    client.request(options())
      .compose(req -> {
        sent.set(req);
        return req.send(body.toBuffer());
      })
      .compose(resp -> resp.body().map(buf -> answer(resp, buf, request.model(), created)))
      .onComplete(ar -> {
        vertx.cancelTimer(timer);
        if (ar.succeeded()) {
          result.tryComplete(ar.result());
        } else {
          result.tryFail(AnthropicErrors.fromTransport(ar.cause(), settings.apiKey()));
        }
      });
    return result.future();
  }

  @Override
  public ChunkPipe<JsonObject> chatStream(ChatRequest request, CallContext context) {
    JsonObject body;
    try {
      body = MessagesRequestMapper.toMessagesBody(request, settings.defaultMaxTokens()).put("stream", true);
    } catch (MeshException e) {
      ChunkPipe<JsonObject> failed = new ChunkPipe<>();
      failed.fail(e);
      return failed;
    }
    StreamTranslator translator = new StreamTranslator(request.model(), System.currentTimeMillis() / 1000, settings.apiKey());
    return new AnthropicStream(vertx, client, options(), body.toBuffer(), translator, settings, context.deadlineMs()).start();
  }

  private JsonObject answer(HttpClientResponse resp, Buffer buf, String model, long created) {
    LOG.log(System.Logger.Level.DEBUG, "anthropic answered {0}, request-id {1}", resp.statusCode(), resp.getHeader("request-id"));
    if (resp.statusCode() != 200) {
      throw AnthropicErrors.fromResponse(resp.statusCode(), resp.getHeader("retry-after"), buf, settings.apiKey());
    }
    JsonObject message;
    try {
      message = new JsonObject(buf);
    } catch (DecodeException | ClassCastException e) {
      throw new MeshException(ErrorCode.UPSTREAM, "anthropic returned a body that is not a JSON message");
    }
    if (!"message".equals(message.getString("type"))) {
      throw new MeshException(ErrorCode.UPSTREAM, "anthropic returned '" + message.getString("type") + "' instead of a message");
    }
    return MessagesResponseMapper.toChatCompletion(message, model, created);
  }

  private RequestOptions options() {
    return new RequestOptions()
      .setMethod(HttpMethod.POST)
      .setAbsoluteURI(settings.baseUrl() + "/v1/messages")
      .setConnectTimeout(settings.connectMs())
      .putHeader("x-api-key", settings.apiKey())
      .putHeader("anthropic-version", settings.version())
      .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
      .putHeader(HttpHeaders.ACCEPT, "application/json");
  }
}
