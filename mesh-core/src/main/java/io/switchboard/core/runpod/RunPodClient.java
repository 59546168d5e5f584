package io.switchboard.core.runpod;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.http.BodyPart;
import io.switchboard.core.http.UpstreamClient;
import io.switchboard.core.http.UpstreamReply;
import io.switchboard.core.http.UpstreamTimeouts;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The operations of a RunPod serverless queue endpoint ({@code https://api.runpod.ai/v2/<endpoint_id>}), shared by
 * every RunPod backend: {@code POST /run}, {@code POST /runsync?wait=}, {@code GET /status/{id}},
 * {@code GET /stream/{id}}, {@code POST /cancel/{id}}, {@code GET /health}, with {@code Authorization: Bearer <key>}.
 * Each answers the JSON object RunPod sent or fails with a {@link MeshException}: the kit's error mapping
 * ({@link io.switchboard.core.http.ErrorDialect#RUNPOD}), except that a 404 means a wrong endpoint (an operator
 * problem: {@link ErrorCode#UNAVAILABLE}) or a job RunPod no longer knows, never an unknown model. Each call is
 * bounded by the client's timeouts; {@code /runsync} by those plus its wait.
 */
public final class RunPodClient {

  private static final System.Logger LOG = System.getLogger(RunPodClient.class.getName());

  private final UpstreamClient http;
  private final String endpointUrl;

  /**
   * Calls to {@code endpointUrl} ({@code https://api.runpod.ai/v2/<endpoint_id>}, without a trailing slash) through
   * {@code http}, whose upstream's secret is the RunPod key.
   */
  public RunPodClient(UpstreamClient http, String endpointUrl) {
    this.http = http;
    this.endpointUrl = endpointUrl;
  }

  /** The request body {@code {"input": input}}. */
  public static List<BodyPart> body(JsonObject input) {
    return List.of(BodyPart.of(new JsonObject().put("input", input).toBuffer()));
  }

  public String id() {
    return http.upstream().id();
  }

  public String apiKey() {
    return http.upstream().secret();
  }

  public UpstreamTimeouts timeouts() {
    return http.timeouts();
  }

  /** Queues a job; RunPod answers its id at once. */
  public Future<JsonObject> run(List<BodyPart> body) {
    return call(HttpMethod.POST, "/run", body, http.timeouts());
  }

  /** Submits a job that RunPod holds the connection for up to {@code waitMs}, answering the finished job or its status. */
  public Future<JsonObject> runSync(List<BodyPart> body, long waitMs) {
    return call(HttpMethod.POST, "/runsync?wait=" + waitMs, body, http.timeouts().plusWait(waitMs));
  }

  public Future<JsonObject> status(String jobId) {
    return call(HttpMethod.GET, "/status/" + jobId, List.of(), http.timeouts());
  }

  /** The stream items the job produced since the last call, and its status. */
  public Future<JsonObject> stream(String jobId) {
    return call(HttpMethod.GET, "/stream/" + jobId, List.of(), http.timeouts());
  }

  public Future<JsonObject> cancel(String jobId) {
    return call(HttpMethod.POST, "/cancel/" + jobId, List.of(), http.timeouts());
  }

  /**
   * Cancels a job the caller no longer wants, so it stops costing GPU time. Best effort: the caller has its answer
   * already; a cancel that fails is logged, for an operator to see jobs that may still run.
   */
  public void cancelQuietly(String jobId, String why) {
    LOG.log(System.Logger.Level.DEBUG, "{0}: cancelling runpod job {1}: {2}", id(), jobId, why);
    cancel(jobId).onFailure(e -> LOG.log(System.Logger.Level.WARNING, "{0}: could not cancel runpod job {1}: {2}",
      id(), jobId, e.getMessage()));
  }

  /** The endpoint's queue and worker counts. */
  public Future<JsonObject> health() {
    return call(HttpMethod.GET, "/health", List.of(), http.timeouts());
  }

  public Future<Void> close() {
    return http.close();
  }

  private Future<JsonObject> call(HttpMethod method, String path, List<BodyPart> body, UpstreamTimeouts t) {
    RequestOptions options = new RequestOptions().setMethod(method).setAbsoluteURI(endpointUrl + path)
      .putHeader("authorization", "Bearer " + apiKey())
      .putHeader("accept", "application/json");
    if (!body.isEmpty()) {
      options.putHeader("content-type", "application/json");
    }
    // Each call has its own bounds; the job's deadline is its caller's to keep (a late answer still names the job).
    return http.call(options, body, Long.MAX_VALUE, t).map(reply -> answer(path, reply));
  }

  private JsonObject answer(String path, UpstreamReply reply) {
    if (reply.status() == 404) {
      boolean jobCall = path.startsWith("/status/") || path.startsWith("/stream/") || path.startsWith("/cancel/");
      String name = endpointUrl.substring(endpointUrl.lastIndexOf('/') + 1);
      throw jobCall
        ? new MeshException(ErrorCode.UPSTREAM, id() + ": runpod no longer knows job " + path.substring(path.lastIndexOf('/') + 1)
          + " (expired or never created)")
        : new MeshException(ErrorCode.UNAVAILABLE, id() + ": runpod endpoint " + name + " not found");
    }
    if (!reply.ok()) {
      throw http.error(reply);
    }
    return reply.json(id());
  }
}
