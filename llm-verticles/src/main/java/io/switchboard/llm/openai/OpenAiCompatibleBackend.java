package io.switchboard.llm.openai;

import io.switchboard.api.Capability;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.EmbeddingRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Health;
import io.switchboard.api.JsonText;
import io.switchboard.api.MeshException;
import io.switchboard.api.Usage;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.ChatBackend;
import io.switchboard.core.backend.DescribedBackend;
import io.switchboard.core.backend.EmbeddingBackend;
import io.switchboard.core.http.BodyPart;
import io.switchboard.core.http.Exchange;
import io.switchboard.core.http.UpstreamClient;
import io.switchboard.core.http.UpstreamReply;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Locale;

/**
 * Chat (whole and streamed) and embeddings against any server that speaks OpenAI's {@code /chat/completions} and
 * {@code /embeddings}: OpenAI, OpenRouter, a RunPod vLLM endpoint, Hugging Face's router, Gemini's OpenAI endpoint,
 * a llama.cpp or vLLM workstation. One keep-alive HTTP/1.1 client per backend. The router has already resolved the
 * model, so bodies go upstream as they came.
 *
 * <p>Call it on a Vert.x context (the {@code BackendVerticle} does): a stream's pipe is driven on the caller's context.
 */
public final class OpenAiCompatibleBackend extends DescribedBackend implements ChatBackend, EmbeddingBackend {

  private static final System.Logger LOG = System.getLogger(OpenAiCompatibleBackend.class.getName());

  private final OpenAiSettings settings;
  private final UpstreamClient http;
  private final HealthProbe probe;

  public OpenAiCompatibleBackend(Vertx vertx, OpenAiSettings settings) {
    super(settings.descriptor());
    this.settings = settings;
    this.http = new UpstreamClient(vertx, settings.upstream(), settings.timeouts(), settings.poolSize(), settings.maxReplyBytes());
    this.probe = new HealthProbe(settings, () -> http.call(options(HttpMethod.GET, "/models", "application/json", false, null),
      List.of(), System.currentTimeMillis() + settings.connectMs() + settings.firstByteMs()));
  }

  @Override
  public Future<Health> health() {
    return probe.health();
  }

  @Override
  public List<String> listedModels() {
    return probe.listed();
  }

  @Override
  public Future<Void> stop() {
    return http.close();
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
    http.stream(options(HttpMethod.POST, "/chat/completions", "text/event-stream", true, context), JsonText.bytes(body),
      context.deadlineMs(), pipe, (ex, response) -> {
        if (isEventStream(response)) {
          new ChatStreamRelay(ex, pipe).start(response);
        } else {
          // A 200 that is no stream: an error object some servers send instead, or a mistake of the upstream's.
          ex.readBody(response, settings.maxReplyBytes()).map(b -> notAStream(response, b)).onFailure(pipe::fail);
        }
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
    return http.call(options(HttpMethod.POST, path, "application/json", true, context), List.of(BodyPart.of(JsonText.bytes(body))),
        context.deadlineMs(), settings.wholeTimeouts())
      .map(this::parseReply)
      .onFailure(t -> LOG.log(System.Logger.Level.DEBUG, "{0}: {1} failed: {2}", settings.id(), path, t.getMessage()));
  }

  private RequestOptions options(HttpMethod method, String path, String accept, boolean hasBody, CallContext context) {
    RequestOptions options = new RequestOptions()
      .setMethod(method)
      .setSsl(settings.ssl())
      .setHost(settings.host())
      .setPort(settings.port())
      .setURI(settings.pathPrefix() + path);
    settings.headers().forEach(options::putHeader);
    if (hasBody) {
      options.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    }
    options.putHeader(HttpHeaders.ACCEPT, accept);
    if (settings.apiKey() != null) {
      options.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + settings.apiKey());
    }
    if (context != null && context.requestId() != null) {
      options.putHeader("x-request-id", context.requestId());
    }
    return options;
  }

  /** A 2xx JSON object without an {@code error}; anything else becomes the matching mesh error. */
  private JsonObject parseReply(UpstreamReply reply) {
    if (!reply.ok()) {
      throw http.error(reply);
    }
    JsonObject json = reply.json(settings.id());
    if (json.getValue("error") != null) {
      throw http.upstream().fromErrorObject(json);
    }
    return json;
  }

  private static boolean isEventStream(HttpClientResponse response) {
    String type = response.getHeader("content-type");
    return type != null && type.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
  }

  private HttpClientResponse notAStream(HttpClientResponse response, Buffer body) {
    parseReply(new UpstreamReply(response.statusCode(), response.headers(), body));
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
