package io.switchboard.core.http;

import io.switchboard.core.http.UpstreamError.Hint;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Locale;
import java.util.Set;

/**
 * How each upstream protocol writes an error body, read into one {@link UpstreamError}: the small per-protocol
 * part of {@link UpstreamErrors}. What every protocol shares (an empty body, plain text, an HTML page from a proxy,
 * a JSON array around the error) is handled once in {@link #parse(Buffer)}.
 */
public enum ErrorDialect {

  /**
   * OpenAI's {@code {"error":{message,type,param,code}}} and its copies: vLLM's flat {@code {"object":"error",
   * "message"}}, TGI's {@code {"error":"text"}}, Gemini's {@code [{"error":{...}}]}, OpenRouter's numeric
   * {@code error.code}, and the FastAPI {@code {"detail":...}} of compatible servers (vLLM's 404, faster-whisper).
   */
  OPENAI {
    @Override
    UpstreamError read(JsonObject json) {
      Object err = json.getValue("error");
      if (err instanceof JsonObject e) {
        return hinted(new UpstreamError(string(e.getValue("message")), string(e.getValue("type")), string(e.getValue("param")),
          string(e.getValue("code")), Hint.NONE));
      }
      if (err instanceof String s) {
        return hinted(new UpstreamError(s, string(json.getValue("error_type")), null, null, Hint.NONE));
      }
      if (json.containsKey("detail")) {
        return hinted(detail(json.getValue("detail")));
      }
      return hinted(new UpstreamError(string(json.getValue("message")), string(json.getValue("type")),
        string(json.getValue("param")), string(json.getValue("code")), Hint.NONE));
    }

    /** OpenRouter puts the HTTP status it would have sent in {@code error.code}. */
    @Override
    int statusOf(JsonObject json) {
      Object code = json.getValue("error") instanceof JsonObject e ? e.getValue("code") : null;
      return code instanceof Number n && n.intValue() >= 400 && n.intValue() < 600 ? n.intValue() : 0;
    }
  },

  /** Anthropic's one documented shape, {@code {"type":"error","error":{"type","message"}}}, as a body or an SSE event. */
  ANTHROPIC {
    @Override
    UpstreamError read(JsonObject json) {
      JsonObject e = json.getValue("error") instanceof JsonObject o ? o : new JsonObject();
      String type = string(e.getValue("type"));
      String message = string(e.getValue("message"));
      if (message != null && message.toLowerCase(Locale.ROOT).contains("prompt is too long")) {
        return new UpstreamError(message, type, "messages", null, Hint.CONTEXT_TOO_LONG);
      }
      Hint hint = switch (type == null ? "" : type) {
        case "overloaded_error" -> Hint.OVERLOADED;
        case "timeout_error" -> Hint.TIMEOUT;
        default -> Hint.NONE;
      };
      return new UpstreamError(message, type, null, null, hint);
    }

    /** The documented status of each error type, for an error that arrives as a stream event. */
    @Override
    int statusOf(JsonObject json) {
      String type = json.getValue("error") instanceof JsonObject e ? e.getString("type") : null;
      return switch (type == null ? "" : type) {
        case "invalid_request_error" -> 400;
        case "authentication_error" -> 401;
        case "billing_error" -> 402;
        case "permission_error" -> 403;
        case "not_found_error" -> 404;
        case "request_too_large" -> 413;
        case "rate_limit_error" -> 429;
        case "api_error" -> 500;
        case "timeout_error" -> 504;
        case "overloaded_error" -> 529;
        default -> 0;
      };
    }
  },

  /** ElevenLabs' FastAPI bodies: {@code {"detail":{"status","message"}}} and validation's {@code {"detail":[{loc,msg}]}}. */
  ELEVENLABS {
    @Override
    UpstreamError read(JsonObject json) {
      return json.containsKey("detail") ? hinted(detail(json.getValue("detail"))) : OPENAI.read(json);
    }
  },

  /** RunPod documents no error body: {@code {"error":"text"}} in practice, or a proxy's plain text. */
  RUNPOD {
    @Override
    UpstreamError read(JsonObject json) {
      Object err = json.getValue("error");
      String message = err instanceof JsonObject e ? string(e.getValue("message")) : string(err);
      return new UpstreamError(message != null ? message : string(json.getValue("message")), null, null, null, Hint.NONE);
    }
  };

  private static final int MAX_TEXT = 500;
  private static final Set<String> QUOTA = Set.of("insufficient_quota", "quota_exceeded");

  /** Reads a JSON error object of this protocol. */
  abstract UpstreamError read(JsonObject json);

  /** The HTTP status an error body found without one (a stream event, a 200 body) stands for; 0 when it names none. */
  int statusOf(JsonObject json) {
    return 0;
  }

  /** Reads an error body, whatever came: this protocol's JSON, a JSON array around it, plain text or an HTML page. */
  public UpstreamError parse(Buffer body) {
    if (body == null || body.length() == 0) {
      return UpstreamError.NONE;
    }
    Object json;
    try {
      json = Json.decodeValue(body);
    } catch (RuntimeException notJson) {
      return plainText(body.toString());
    }
    if (json instanceof JsonArray a && !a.isEmpty()) {
      json = a.getValue(0);
    }
    return json instanceof JsonObject o ? clipped(read(o)) : plainText(body.toString());
  }

  /** Reads an error object already decoded (an SSE event's data, a 200 body holding an error). */
  public UpstreamError parse(JsonObject json) {
    return clipped(read(json));
  }

  private static UpstreamError clipped(UpstreamError e) {
    return e.message() == null || e.message().length() <= MAX_TEXT ? e
      : new UpstreamError(e.message().substring(0, MAX_TEXT) + "...", e.type(), e.param(), e.code(), e.hint());
  }

  private static UpstreamError plainText(String text) {
    String t = text.strip();
    if (t.startsWith("<")) {
      return new UpstreamError("non-JSON error body (HTML)", null, null, null, Hint.NONE);
    }
    int nl = t.indexOf('\n');
    return clipped(new UpstreamError(nl < 0 ? t : t.substring(0, nl), null, null, null, Hint.NONE));
  }

  /** FastAPI's {@code detail}: an object (ElevenLabs' {@code status} is its code), a validation list, or text. */
  private static UpstreamError detail(Object detail) {
    if (detail instanceof JsonObject d) {
      return new UpstreamError(d.getString("message", d.encode()), null, null, string(d.getValue("status")), Hint.NONE);
    }
    if (detail instanceof JsonArray list && !list.isEmpty() && list.getValue(0) instanceof JsonObject item) {
      String msg = item.getString("msg", item.encode());
      String at = item.getValue("loc") instanceof JsonArray path ? String.join(".", path.stream().map(String::valueOf).toList()) : null;
      return new UpstreamError(at == null ? msg : msg + " (" + at + ")", null, null, null, Hint.NONE);
    }
    return new UpstreamError(string(detail), null, null, null, Hint.NONE);
  }

  /** The hints the OpenAI-shaped world gives in its codes and texts. */
  private static UpstreamError hinted(UpstreamError e) {
    if (e.code() != null && QUOTA.contains(e.code()) || e.type() != null && QUOTA.contains(e.type())) {
      return e.withHint(Hint.QUOTA);
    }
    String m = e.message() == null ? "" : e.message().toLowerCase(Locale.ROOT);
    // vLLM: "This model's maximum context length is 4096 tokens"; llama.cpp: "exceeds the available context size".
    if ("context_length_exceeded".equals(e.code()) || "exceed_context_size_error".equals(e.type())
      || m.contains("maximum context length") || m.contains("available context size")) {
      return e.withHint(Hint.CONTEXT_TOO_LONG);
    }
    return e;
  }

  private static String string(Object v) {
    return v == null ? null : String.valueOf(v);
  }
}
