package io.switchboard.llm.runpod;

import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendUnavailableException;
import io.switchboard.core.http.CloudConf;
import io.switchboard.core.http.UpstreamTimeouts;
import io.switchboard.llm.cli.PromptFormat;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.pointer.JsonPointer;

/**
 * The RunPod serverless adapter's conf. Key and (optionally) endpoint id come from the environment; everything else
 * has its default here.
 *
 * @param input         the job input template (see {@link InputTemplate})
 * @param outputPointer JSON pointer into the finished job object to the answer text
 * @param streamPointer JSON pointer into each {@code /stream} item to its piece of text
 * @param usagePointer  JSON pointer into the finished job object to a usage object, or null (usage is then estimated)
 * @param coldAfterMs   a job still queued this long marks the endpoint cold (health degraded)
 * @param runsyncWaitMs how long {@code /runsync} may hold the connection ({@code ?wait=}, 1000..300000)
 */
record RunPodSettings(
  String baseUrl,
  String endpointId,
  String apiKey,
  JsonObject input,
  PromptFormat promptFormat,
  String outputPointer,
  String streamPointer,
  String usagePointer,
  long coldAfterMs,
  long runsyncWaitMs,
  long pollInitialMs,
  long pollMaxMs,
  long streamPollMs,
  long healthProbeMs,
  long connectMs,
  long requestMs) {

  static final String DEFAULT_BASE_URL = "https://api.runpod.ai/v2";

  static JsonObject defaultInput() {
    return new JsonObject().put("prompt", "{prompt}").put("max_tokens", "{max_tokens}").put("temperature", "{temperature}");
  }

  static RunPodSettings from(BackendConfig conf) {
    JsonObject json = conf.json();
    String key = CloudConf.apiKey(conf, "RUNPOD_API_KEY");
    String endpoint = json.getString("endpoint_id");
    if (endpoint == null || endpoint.isBlank()) {
      String endpointVar = json.getString("endpoint_id_env", "RUNPOD_ENDPOINT_ID");
      endpoint = conf.env(endpointVar);
      if (endpoint == null) {
        throw new BackendUnavailableException("no endpoint_id in conf and " + endpointVar + " not set");
      }
    }
    if (!endpoint.matches("[A-Za-z0-9_-]+")) {
      throw new IllegalArgumentException("endpoint_id must be letters, digits, '-' or '_', got '" + endpoint + "'");
    }
    String base = json.getString("base_url", DEFAULT_BASE_URL);
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    JsonObject t = json.getJsonObject("timeouts", new JsonObject());
    return new RunPodSettings(base, endpoint, key,
      json.getJsonObject("input", defaultInput()),
      PromptFormat.parse(json.getString("prompt_format", "transcript")),
      pointer(json.getString("output_pointer", "/output")),
      pointer(json.getString("stream_pointer", "/output")),
      json.getString("usage_pointer") == null ? null : pointer(json.getString("usage_pointer")),
      json.getLong("cold_after_ms", 10_000L),
      Math.max(1_000, Math.min(300_000, json.getLong("runsync_wait_ms", 30_000L))),
      json.getLong("poll_initial_ms", 250L),
      json.getLong("poll_max_ms", 2_000L),
      json.getLong("stream_poll_ms", 250L),
      json.getLong("health_probe_ms", 5_000L),
      t.getLong("connect_ms", 5_000L),
      t.getLong("request_ms", 15_000L));
  }

  /** Validates a pointer at start so a typo fails the backend, not every request. */
  private static String pointer(String p) {
    JsonPointer.from(p);
    return p;
  }

  String endpointUrl() {
    return baseUrl + "/" + endpointId;
  }

  /** Each endpoint call is bounded by {@code request_ms} as a whole ({@code /runsync} by that plus its wait). */
  UpstreamTimeouts timeouts() {
    return new UpstreamTimeouts(connectMs, requestMs, requestMs, requestMs);
  }

  @Override
  public String toString() {
    return "RunPodSettings[" + endpointUrl() + "]";
  }
}
