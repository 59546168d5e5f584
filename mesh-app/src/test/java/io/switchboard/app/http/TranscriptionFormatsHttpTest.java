package io.switchboard.app.http;

import io.switchboard.core.testkit.TestVertx;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.switchboard.app.http.SpokenAudio.assertResembles;
import static io.switchboard.app.http.SpokenAudio.words;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST /v1/audio/transcriptions} as the OpenAI SDKs send it (multipart {@code file}, {@code model},
 * {@code response_format}) through the real web verticle and router to {@code local-whisper} on the real model, with
 * speech flite spoke: every {@code response_format} is parsed as its format and says what was spoken.
 */
class TranscriptionFormatsHttpTest {

  private static final Pattern SRT_TIME = Pattern.compile("^(\\d{2}):(\\d{2}):(\\d{2}),(\\d{3}) --> (\\d{2}):(\\d{2}):(\\d{2}),(\\d{3})$");
  private static final Pattern VTT_TIME = Pattern.compile("^(\\d{2}):(\\d{2}):(\\d{2})\\.(\\d{3}) --> (\\d{2}):(\\d{2}):(\\d{2})\\.(\\d{3})$");

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  static final Vertx vertx = vx.get();
  static HttpTestNode node;
  static Buffer wav;
  static double seconds;

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    wav = SpokenAudio.flite(dir);
    seconds = SpokenAudio.wavSeconds(wav);
    node = HttpTestNode.start(vertx, new JsonArray().add(SpokenAudio.whisperBackend("whisper-local", 10)), new JsonObject(), Map.of());
  }

  /** The request the OpenAI SDK sends for {@code client.audio.transcriptions.create(file=..., model="whisper-1", ...)}. */
  private static HttpResponse<Buffer> transcribe(String format) throws Exception {
    Multipart form = new Multipart().field("model", "whisper-1").field("response_format", format).field("language", "en")
      .field("temperature", "0");
    if (format.equals("verbose_json")) {
      form.field("timestamp_granularities[]", "segment");
    }
    form.file("file", "spoken.wav", "audio/wav", wav);
    HttpResponse<Buffer> res = node.postMultipart("/v1/audio/transcriptions", form, Map.of());
    assertEquals(200, res.statusCode(), res.bodyAsString());
    assertEquals("whisper-local", res.getHeader("x-switchboard-backend"));
    return res;
  }

  @Test
  void json() throws Exception {
    HttpResponse<Buffer> res = transcribe("json");
    assertTrue(res.getHeader("content-type").startsWith("application/json"));
    JsonObject body = res.bodyAsJsonObject();
    assertEquals(List.of("text"), new ArrayList<>(body.fieldNames()), "json is {\"text\"} only: " + body);
    assertResembles(body.getString("text"));
  }

  @Test
  void text() throws Exception {
    HttpResponse<Buffer> res = transcribe("text");
    assertTrue(res.getHeader("content-type").startsWith("text/plain"), res.getHeader("content-type"));
    String text = res.bodyAsString();
    assertFalse(text.trim().startsWith("{"), "plain text, not JSON: " + text);
    assertFalse(text.contains("-->"), "plain text, not subtitles: " + text);
    assertResembles(text);
  }

  @Test
  void verboseJson() throws Exception {
    JsonObject body = transcribe("verbose_json").bodyAsJsonObject();
    assertEquals("transcribe", body.getString("task"));
    assertTrue(body.getValue("language") instanceof String l && !l.isBlank(), "language: " + body);
    double duration = assertInstanceOf(Number.class, body.getValue("duration"), "duration").doubleValue();
    assertEquals(seconds, duration, 0.25, "the duration of the audio sent");
    String text = body.getString("text");
    assertResembles(text);
    JsonArray segments = body.getJsonArray("segments");
    assertFalse(segments.isEmpty(), "segments: " + body);
    double previousStart = 0;
    StringBuilder joined = new StringBuilder();
    for (int i = 0; i < segments.size(); i++) {
      JsonObject s = segments.getJsonObject(i);
      assertEquals(i, s.getInteger("id"), "segment ids count from 0: " + s);
      double start = assertInstanceOf(Number.class, s.getValue("start"), "start").doubleValue();
      double end = assertInstanceOf(Number.class, s.getValue("end"), "end").doubleValue();
      assertTrue(start >= previousStart && start <= end && end <= duration + 0.5, "segment times in order, within the audio: " + s);
      previousStart = start;
      joined.append(assertInstanceOf(String.class, s.getValue("text"), "text")).append(' ');
    }
    assertEquals(words(text), words(joined.toString()), "the segments together are the text");
  }

  @Test
  void srt() throws Exception {
    String body = transcribe("srt").bodyAsString();
    List<Cue> cues = new ArrayList<>();
    String[] blocks = body.strip().split("\n\n");
    for (int i = 0; i < blocks.length; i++) {
      String[] lines = blocks[i].split("\n");
      assertTrue(lines.length >= 3, "a cue is number, times, text: '" + blocks[i] + "'");
      assertEquals(String.valueOf(i + 1), lines[0], "cues numbered from 1 in order");
      cues.add(cue(SRT_TIME, lines[1], Arrays.copyOfRange(lines, 2, lines.length)));
    }
    assertCues(cues);
  }

  @Test
  void vtt() throws Exception {
    String body = transcribe("vtt").bodyAsString();
    assertTrue(body.startsWith("WEBVTT\n\n"), "WEBVTT header then a blank line: " + body);
    String[] blocks = body.substring("WEBVTT\n\n".length()).strip().split("\n\n");
    List<Cue> cues = new ArrayList<>();
    for (String block : blocks) {
      String[] lines = block.split("\n");
      assertTrue(lines.length >= 2, "a cue is times, text: '" + block + "'");
      // A WebVTT cue may carry an identifier line before its timings.
      int at = VTT_TIME.matcher(lines[0]).matches() ? 0 : 1;
      cues.add(cue(VTT_TIME, lines[at], Arrays.copyOfRange(lines, at + 1, lines.length)));
    }
    assertCues(cues);
  }

  record Cue(double start, double end, String text) {
  }

  /** A cue from its timing line and its text lines. */
  private static Cue cue(Pattern timing, String timingLine, String[] textLines) {
    Matcher m = timing.matcher(timingLine);
    assertTrue(m.matches(), "timing line '" + timingLine + "'");
    String text = String.join(" ", textLines).trim();
    assertFalse(text.isEmpty(), "cue text");
    return new Cue(time(m, 1), time(m, 5), text);
  }

  private static double time(Matcher m, int group) {
    int h = Integer.parseInt(m.group(group));
    int min = Integer.parseInt(m.group(group + 1));
    int s = Integer.parseInt(m.group(group + 2));
    int ms = Integer.parseInt(m.group(group + 3));
    assertTrue(min < 60 && s < 60, "minutes and seconds below 60: " + m.group());
    return h * 3600 + min * 60 + s + ms / 1000.0;
  }

  private static void assertCues(List<Cue> cues) {
    assertFalse(cues.isEmpty());
    double previous = 0;
    StringBuilder all = new StringBuilder();
    for (Cue c : cues) {
      assertTrue(c.start() >= previous && c.start() <= c.end() && c.end() <= seconds + 0.5, "cue times in order, within the audio: " + c);
      previous = c.start();
      all.append(c.text()).append(' ');
    }
    assertResembles(all.toString());
  }
}
