package io.switchboard.llm.anthropic;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.ChatBackend;
import io.switchboard.core.backend.DescribedBackend;
import io.switchboard.core.http.BodyPart;
import io.switchboard.core.http.ErrorDialect;
import io.switchboard.core.http.Upstream;
import io.switchboard.core.http.UpstreamClient;
import io.switchboard.core.http.UpstreamReply;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Chat through Anthropic's Messages API behind the mesh's OpenAI-shaped surface: the request is translated by
 * {@link MessagesRequestMapper}, whole answers by {@link MessagesResponseMapper}, streams by {@link AnthropicStream};
 * the HTTP exchange, its timeouts and the error mapping are the upstream kit's. The key travels only in the
 * {@code x-api-key} header and is redacted from every error text.
 */
public final class AnthropicBackend extends DescribedBackend implements ChatBackend {

  private static final System.Logger LOG = System.getLogger(AnthropicBackend.class.getName());

  private final AnthropicSettings settings;
  private final UpstreamClient http;

  AnthropicBackend(Vertx vertx, AnthropicSettings settings, BackendDescriptor descriptor) {
    super(descriptor);
    this.settings = settings;
    this.http = new UpstreamClient(vertx, new Upstream(descriptor.id(), ErrorDialect.ANTHROPIC, settings.apiKey()),
      settings.streamTimeouts(), Math.max(4, descriptor.concurrency()), 64L << 20);
  }

  @Override
  public Future<Void> stop() {
    return http.close();
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
    return http.call(options(), List.of(BodyPart.of(body.toBuffer())), context.deadlineMs(), settings.wholeTimeouts())
      .map(reply -> answer(reply, request.model(), created));
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
    StreamTranslator translator = new StreamTranslator(request.model(), System.currentTimeMillis() / 1000, http.upstream());
    return AnthropicStream.open(http, options(), body.toBuffer(), translator, context.deadlineMs());
  }

  private JsonObject answer(UpstreamReply reply, String model, long created) {
    LOG.log(System.Logger.Level.DEBUG, "anthropic answered {0}, request-id {1}", reply.status(), reply.headers().get("request-id"));
    if (reply.status() != 200) {
      throw http.error(reply);
    }
    JsonObject message = reply.json(descriptor().id());
    if (!"message".equals(message.getString("type"))) {
      throw new MeshException(ErrorCode.UPSTREAM, descriptor().id() + ": anthropic returned '" + message.getString("type")
        + "' instead of a message");
    }
    return MessagesResponseMapper.toChatCompletion(message, model, created);
  }

  private RequestOptions options() {
    return new RequestOptions()
      .setMethod(HttpMethod.POST)
      .setAbsoluteURI(settings.baseUrl() + "/v1/messages")
      .putHeader("x-api-key", settings.apiKey())
      .putHeader("anthropic-version", settings.version())
      .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
      .putHeader(HttpHeaders.ACCEPT, "application/json");
  }
}
