package io.switchboard.router.web;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Locale;

/**
 * Renders a backend's verbose transcript ({@code text}, {@code language}, {@code duration}, {@code segments}) in
 * the {@code response_format} OpenAI offers: json, text, verbose_json, srt, vtt.
 */
public final class TranscriptFormats {

  private TranscriptFormats() {
  }

  /** The rendered body and its content type. */
  public record Rendered(String contentType, String body) {
  }

  public static Rendered render(JsonObject verbose, String format) {
    String text = verbose.getString("text", "");
    return switch (format) {
      case "text" -> new Rendered("text/plain; charset=utf-8", text + "\n");
      case "verbose_json" -> new Rendered("application/json", new JsonObject()
        .put("task", "transcribe")
        .put("language", verbose.getString("language", "english"))
        .put("duration", verbose.getValue("duration", 0.0))
        .put("text", text)
        .put("segments", segments(verbose)).encode());
      case "srt" -> new Rendered("application/x-subrip; charset=utf-8", srt(verbose));
      case "vtt" -> new Rendered("text/vtt; charset=utf-8", vtt(verbose));
      default -> new Rendered("application/json", new JsonObject().put("text", text).encode());
    };
  }

  /** The segments, or one segment spanning the whole audio when the backend gave none. */
  private static JsonArray segments(JsonObject verbose) {
    JsonArray segments = verbose.getJsonArray("segments");
    if (segments != null && !segments.isEmpty()) {
      return segments;
    }
    double duration = number(verbose.getValue("duration"));
    return new JsonArray().add(new JsonObject().put("id", 0).put("start", 0.0).put("end", duration)
      .put("text", verbose.getString("text", "")));
  }

  static String srt(JsonObject verbose) {
    StringBuilder sb = new StringBuilder();
    JsonArray segments = segments(verbose);
    for (int i = 0; i < segments.size(); i++) {
      JsonObject s = segments.getJsonObject(i);
      sb.append(i + 1).append('\n')
        .append(timestamp(number(s.getValue("start")), ',')).append(" --> ").append(timestamp(number(s.getValue("end")), ','))
        .append('\n').append(s.getString("text", "").trim()).append("\n\n");
    }
    return sb.toString();
  }

  static String vtt(JsonObject verbose) {
    StringBuilder sb = new StringBuilder("WEBVTT\n\n");
    JsonArray segments = segments(verbose);
    for (int i = 0; i < segments.size(); i++) {
      JsonObject s = segments.getJsonObject(i);
      sb.append(timestamp(number(s.getValue("start")), '.')).append(" --> ").append(timestamp(number(s.getValue("end")), '.'))
        .append('\n').append(s.getString("text", "").trim()).append("\n\n");
    }
    return sb.toString();
  }

  private static double number(Object v) {
    return v instanceof Number n ? n.doubleValue() : 0.0;
  }

  /** {@code HH:MM:SS,mmm} (srt) or {@code HH:MM:SS.mmm} (vtt). */
  static String timestamp(double seconds, char separator) {
    long ms = Math.round(Math.max(0, seconds) * 1000);
    return String.format(Locale.ROOT, "%02d:%02d:%02d%c%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, separator, ms % 1000);
  }
}
