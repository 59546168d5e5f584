package io.switchboard.api;

import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * The parameters of a transcription, as OpenAI's {@code /v1/audio/transcriptions} form fields. On the bus the
 * audio is the message body (a {@code Buffer}) and these parameters travel as JSON in the
 * {@link #PARAMS_HEADER} header. Backends answer with the verbose form ({@code text}, {@code language},
 * {@code duration}, {@code segments[{id,start,end,text}]}); the web verticle renders json/text/srt/vtt from it.
 */
public record TranscriptionRequest(String model, String language, String prompt, Double temperature, String responseFormat,
                                   String filename, String contentType, RouteHints hints) {

  public static final String PARAMS_HEADER = Headers.PARAMS;
  public static final Set<String> FORMATS = Set.of("json", "text", "verbose_json", "srt", "vtt");
  /** A language code ({@code en}, {@code pt-BR}) or an English name ({@code english}, {@code haitian creole}). */
  private static final java.util.regex.Pattern LANGUAGE = java.util.regex.Pattern.compile("[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?|[A-Za-z][A-Za-z ]{2,30}");

  public TranscriptionRequest {
    hints = hints == null ? RouteHints.NONE : hints;
    responseFormat = responseFormat == null ? "json" : responseFormat;
  }

  public static TranscriptionRequest fromJson(JsonObject p) {
    String m = RequestBodies.model(p);
    String fmt = p.getString("response_format", "json");
    if (!FORMATS.contains(fmt)) {
      throw MeshException.invalid("response_format", "'response_format' must be one of json, text, verbose_json, srt, vtt");
    }
    Double temperature = null;
    Object t = p.getValue("temperature");
    if (t != null) {
      double v;
      try {
        v = t instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(t));
      } catch (NumberFormatException e) {
        throw MeshException.invalid("temperature", "'temperature' must be a number between 0 and 1");
      }
      if (v < 0 || v > 1) {
        throw MeshException.invalid("temperature", "'temperature' must be a number between 0 and 1");
      }
      temperature = v;
    }
    String language = blankToNull(p.getString("language"));
    if (language != null && !LANGUAGE.matcher(language.trim()).matches()) {
      throw MeshException.invalid("language", "'language' must be an ISO-639-1 code such as 'en' (or a language's English name)");
    }
    return new TranscriptionRequest(m, language, blankToNull(p.getString("prompt")), temperature, fmt,
      p.getString("filename"), p.getString("content_type"), RouteHints.fromJson(p));
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  public TranscriptionRequest withModel(String newModel) {
    return new TranscriptionRequest(newModel, language, prompt, temperature, responseFormat, filename, contentType, hints);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("model", model).put("response_format", responseFormat);
    RequestBodies.putSet(json, "language", language);
    RequestBodies.putSet(json, "prompt", prompt);
    RequestBodies.putSet(json, "temperature", temperature);
    RequestBodies.putSet(json, "filename", filename);
    RequestBodies.putSet(json, "content_type", contentType);
    return hints.writeTo(json);
  }
}
