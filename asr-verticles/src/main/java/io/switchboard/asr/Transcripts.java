package io.switchboard.asr;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Builds the mesh's verbose transcript, {@code {"text","language","duration","segments":[{id,start,end,text}]}},
 * from what a cloud API returned. Segments keep only the four contract fields (upstream extras such as tokens and
 * log-probabilities are dropped) and are numbered from 0 in order, whatever numbering the upstream used.
 */
public final class Transcripts {

  private Transcripts() {
  }

  public static JsonObject verbose(String text, String language, double duration, JsonArray segments) {
    return new JsonObject()
      .put("text", text == null ? "" : text.strip())
      .put("language", language)
      .put("duration", Math.max(0, duration))
      .put("segments", segments == null ? new JsonArray() : segments);
  }

  /** The contract form of upstream segments; entries without numeric start/end are skipped. */
  public static JsonArray segments(JsonArray upstream) {
    JsonArray out = new JsonArray();
    if (upstream == null) {
      return out;
    }
    for (Object o : upstream) {
      if (o instanceof JsonObject s && s.getValue("start") instanceof Number start && s.getValue("end") instanceof Number end) {
        out.add(new JsonObject()
          .put("id", out.size())
          .put("start", start.doubleValue())
          .put("end", end.doubleValue())
          .put("text", s.getString("text", "")));
      }
    }
    return out;
  }

  /** The end of the last segment, or -1 when there are none. */
  public static double lastEnd(JsonArray segments) {
    return segments.isEmpty() ? -1 : segments.getJsonObject(segments.size() - 1).getDouble("end");
  }
}
