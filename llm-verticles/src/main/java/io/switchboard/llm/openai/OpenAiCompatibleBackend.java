package io.switchboard.llm.openai;

import io.switchboard.core.http.Contexts;
import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.EmbeddingRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Health;
import io.switchboard.api.MeshException;
import io.switchboard.api.Usage;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.ChatBackend;
import io.switchboard.core.backend.EmbeddingBackend;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Locale;

/**
 * Chat (whole and streamed) and embeddings against any server that speaks OpenAI's {@code /chat/completions} and
 * {@code /embeddings}: OpenAI, OpenRouter, a RunPod vLLM endpoint, Hugging Face's router, Gemini's OpenAI endpoint,
 * a llama.cpp or vLLM workstation. One keep-alive HTTP/1.1 client per backend. The router has already resolved the
 * model, so bodies go upstream as they came.
 *
 * <p>Call it on a Vert.x context (the {@code BackendVerticle} does): a stream's pipe is driven on the caller's context.
 */
public final class OpenAiCompatibleBackend implements ChatBackend, EmbeddingBackend {

  private static final System.Logger LOG = System.getLogger(OpenAiCompatibleBackend.class.getName());

  private final Vertx vertx;
  private final OpenAiSettings settings;
  private final HttpClient client;
  private final HealthProbe probe;

  public OpenAiCompatibleBackend(Vertx vertx, OpenAiSettings settings) {
    this.vertx = vertx;
    this.settings = settings;
    this.client = vertx.createHttpClient(
      new HttpClientOptions()
        .setName("switchboard-" + settings.id())
        .setProtocolVersion(HttpVersion.HTTP_1_1)
        .setKeepAlive(true)
        // Below the idle cut of common proxies, so a pooled connection is rarely reused just as the far end drops it.
        .setKeepAliveTimeout(30)
        .setTcpNoDelay(true)
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.connectMs())),
      new PoolOptions().setHttp1MaxSize(settings.poolSize()));
    this.probe = new HealthProbe(vertx, settings, () -> exchange(new CallContext(null, null,
      System.currentTimeMillis() + settings.connectMs() + settings.firstByteMs())));
  }

  @Override
  public BackendDescriptor descriptor() {
    return settings.descriptor();
  }

  @Override
  public Future<Health> health() {
    return probe.health();
  }

  @Override
  public Future<Void> stop() {
    return client.close();
  }

  @Override
  public Future<JsonObject> chat(ChatRequest request, CallContext context) {
    if (!settings.serves(Capability.CHAT)) {
      return Future.failedFuture(MeshException.invalid(null, settings.id() + " does not serve chat"));
    }
    JsonObject body = request.toUpstreamJson();
    body.remove("stream");
    body.remove("stream_options");
    return call(context, "/chat/completions", body).map(this::checkCompletion);
  }

  @Override
  public ChunkPipe<JsonObject> chatStream(ChatRequest request, CallContext context) {
    ChunkPipe<JsonObject> pipe = new ChunkPipe<>();
    if (!settings.serves(Capability.CHAT)) {
      pipe.fail(MeshException.invalid(null, settings.id() + " does not serve chat"));
      return pipe;
    }
    JsonObject body = request.toUpstreamJson().put("stream", true);
    if (settings.streamUsage() && !body.containsKey("stream_options")) {
      body.put("stream_options", new JsonObject().put("include_usage", true));
    }
    Contexts.onContext(vertx, () -> {
      Exchange ex = exchange(context);
      pipe.cancelHandler(ex::cancel);
      ex.send(HttpMethod.POST, "/chat/completions", body.toBuffer(), "text/event-stream")
        .compose(response -> isEventStream(response)
          ? Future.succeededFuture(response)
          : ex.readBody(response).map(b -> notAStream(response, b)))
        .onSuccess(response -> new ChatStreamRelay(settings, ex, pipe).start(response))
        .onFailure(t -> {
          LOG.log(System.Logger.Level.DEBUG, "{0}: stream failed before content: {1}", settings.id(), t.getMessage());
          pipe.fail(t);
        });
    });
    return pipe;
  }

  @Override
  public Future<JsonObject> embed(EmbeddingRequest request, CallContext context) {
    if (!settings.serves(Capability.EMBED)) {
      return Future.failedFuture(MeshException.invalid(null, settings.id() + " does not serve embeddings"));
    }
    return call(context, "/embeddings", request.toUpstreamJson()).map(reply -> checkEmbeddings(reply, request.inputs().size()));
  }

  private Future<JsonObject> call(CallContext context, String path, JsonObject body) {
    Promise<JsonObject> result = Promise.promise();
    Contexts.onContext(vertx, () -> {
      Exchange ex = exchange(context);
      ex.send(HttpMethod.POST, path, body.toBuffer(), "application/json")
        .compose(response -> ex.readBody(response).map(b -> parseReply(response, b)))
        .onComplete(result);
    });
    return result.future().onFailure(t ->
      LOG.log(System.Logger.Level.DEBUG, "{0}: {1} failed: {2}", settings.id(), path, t.getMessage()));
  }

  private Exchange exchange(CallContext context) {
    return new Exchange(vertx, client, settings, context);
  }

  /** A 2xx JSON object without an {@code error}; anything else becomes the matching mesh error. */
  private JsonObject parseReply(HttpClientResponse response, Buffer body) {
    int status = response.statusCode();
    if (status < 200 || status >= 300) {
      throw OpenAiErrors.fromStatus(settings.id(), status, response.headers(), body, settings.apiKey());
    }
    JsonObject json;
    try {
      json = new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      throw new MeshException(ErrorCode.UPSTREAM, settings.id() + ": upstream reply is not a JSON object");
    }
    if (json.getValue("error") != null) {
      throw OpenAiErrors.fromErrorObject(settings.id(), json, settings.apiKey());
    }
    return json;
  }

  private boolean isEventStream(HttpClientResponse response) {
    String type = response.getHeader("content-type");
    return response.statusCode() / 100 == 2 && type != null && type.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
  }

  private HttpClientResponse notAStream(HttpClientResponse response, Buffer body) {
    parseReply(response, body);
    throw new MeshException(ErrorCode.UPSTREAM,
      settings.id() + ": asked for a stream, upstream replied " + response.getHeader("content-type"));
  }

  private JsonObject checkCompletion(JsonObject reply) {
    if (!(reply.getValue("choices") instanceof JsonArray)) {
      throw new MeshException(ErrorCode.UPSTREAM, settings.id() + ": upstream reply has no 'choices'");
    }
    if (!(reply.getValue("usage") instanceof JsonObject)) {
      reply.put("usage", Usage.ZERO.toJson());
    }
    return reply;
  }

  private JsonObject checkEmbeddings(JsonObject reply, int inputs) {
    if (!(reply.getValue("data") instanceof JsonArray data)) {
      throw new MeshException(ErrorCode.UPSTREAM, settings.id() + ": upstream embeddings reply has no 'data'");
    }
    if (data.size() != inputs) {
      throw new MeshException(ErrorCode.UPSTREAM,
        settings.id() + ": upstream returned " + data.size() + " embeddings for " + inputs + " inputs");
    }
    if (!(reply.getValue("usage") instanceof JsonObject)) {
      reply.put("usage", new JsonObject().put("prompt_tokens", 0).put("total_tokens", 0));
    }
    return reply;
  }
}
