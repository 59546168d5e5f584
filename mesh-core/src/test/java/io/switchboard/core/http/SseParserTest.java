package io.switchboard.core.http;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Framing edge cases of {@link SseParser}, fed the way an HTTP client delivers a body: in reads cut at arbitrary
 * byte positions.
 */
class SseParserTest {

  /** Two OpenAI-style chunks and the terminator, with a multi-byte character in the first. */
  private static final String OPENAI_STREAM =
    "data: {\"choices\":[{\"delta\":{\"content\":\"héllo €\"}}]}\n\n"
      + "data: {\"choices\":[{\"delta\":{\"content\":\" world\"}}]}\n\n"
      + "data: [DONE]\n\n";

  private static final List<String> OPENAI_DATA = List.of(
    "{\"choices\":[{\"delta\":{\"content\":\"héllo €\"}}]}",
    "{\"choices\":[{\"delta\":{\"content\":\" world\"}}]}",
    "[DONE]");

  private final List<SseParser.Event> events = new ArrayList<>();
  private final SseParser parser = new SseParser(events::add);

  private List<String> data() {
    return events.stream().map(SseParser.Event::data).toList();
  }

  private void feed(String text) {
    parser.feed(Buffer.buffer(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void wholeStreamInOneRead() {
    feed(OPENAI_STREAM);
    assertEquals(OPENAI_DATA, data());
    assertTrue(events.stream().allMatch(e -> e.event().equals("message")));
    assertFalse(parser.hasPartialEvent());
  }

  @Test
  void splitIntoTwoReadsAtEveryBytePosition() {
    byte[] bytes = OPENAI_STREAM.getBytes(StandardCharsets.UTF_8);
    for (int cut = 0; cut <= bytes.length; cut++) {
      List<SseParser.Event> got = new ArrayList<>();
      SseParser p = new SseParser(got::add);
      p.feed(Buffer.buffer().appendBytes(bytes, 0, cut));
      p.feed(Buffer.buffer().appendBytes(bytes, cut, bytes.length - cut));
      assertEquals(OPENAI_DATA, got.stream().map(SseParser.Event::data).toList(), "cut at byte " + cut);
      assertFalse(p.hasPartialEvent(), "cut at byte " + cut);
    }
  }

  @Test
  void oneByteAtATime() {
    for (byte b : OPENAI_STREAM.getBytes(StandardCharsets.UTF_8)) {
      parser.feed(Buffer.buffer(new byte[] {b}));
    }
    assertEquals(OPENAI_DATA, data());
  }

  @Test
  void utf8CharacterSplitAcrossReadsIsDecodedWhole() {
    // "€" is three bytes (E2 82 AC): cut after each of its first two bytes.
    byte[] bytes = "data: 1€2\n\n".getBytes(StandardCharsets.UTF_8);
    int euro = "data: 1".length();
    for (int cut = euro + 1; cut <= euro + 2; cut++) {
      List<SseParser.Event> got = new ArrayList<>();
      SseParser p = new SseParser(got::add);
      p.feed(Buffer.buffer().appendBytes(bytes, 0, cut));
      p.feed(Buffer.buffer().appendBytes(bytes, cut, bytes.length - cut));
      assertEquals(List.of("1€2"), got.stream().map(SseParser.Event::data).toList(), "cut at byte " + cut);
    }
  }

  @Test
  void severalEventsInOneReadAndEventSpanningReads() {
    feed("data: a\n\ndata: b\n\ndata: c");
    assertEquals(List.of("a", "b"), data());
    assertTrue(parser.hasPartialEvent());
    feed("d\n\n");
    assertEquals(List.of("a", "b", "cd"), data());
  }

  @Test
  void dataWithAndWithoutTheSpace() {
    feed("data:{\"a\":1}\n\ndata: {\"a\":2}\n\ndata:  two spaces\n\n");
    // Only the single space after the colon is part of the framing.
    assertEquals(List.of("{\"a\":1}", "{\"a\":2}", " two spaces"), data());
  }

  @Test
  void lfCrlfAndCrLineEnds() {
    feed("data: lf\n\n");
    feed("data: crlf\r\n\r\n");
    feed("data: cr\r\r");
    assertEquals(List.of("lf", "crlf", "cr"), data());
  }

  @Test
  void crlfSplitBetweenCrAndLfIsOneLineEnd() {
    feed("data: x\r");
    feed("\n\r");
    feed("\ndata: y\r\n\r\n");
    assertEquals(List.of("x", "y"), data());
  }

  @Test
  void commentsAndKeepAlivesAreIgnored() {
    feed(": OPENROUTER PROCESSING\n\n:\n\ndata: real\n\n: ping\n\n");
    assertEquals(List.of("real"), data());
    assertFalse(parser.hasPartialEvent());
  }

  @Test
  void multiLineDataIsJoinedWithNewlines() {
    feed("data: {\n");
    feed("data: \"a\": 1\n");
    feed("data: }\n\n");
    assertEquals(List.of("{\n\"a\": 1\n}"), data());
  }

  @Test
  void eventNameAndIdAreReportedAndResetBetweenEvents() {
    feed("event: error\nid: 7\ndata: boom\n\ndata: next\n\n");
    assertEquals(2, events.size());
    assertEquals(new SseParser.Event("error", "boom", "7"), events.get(0));
    // The event name applies to one event; the last id persists, as the spec says.
    assertEquals(new SseParser.Event("message", "next", "7"), events.get(1));
  }

  @Test
  void blankLinesWithoutDataDispatchNothing() {
    feed("\n\n\r\n");
    feed("event: ping\n\n");
    assertTrue(events.isEmpty());
  }

  @Test
  void unknownFieldsAndRetryAreIgnored() {
    feed("retry: 1000\nfoo: bar\ndata: kept\n\n");
    assertEquals(List.of("kept"), data());
  }

  @Test
  void fieldWithoutColonIsAFieldWithEmptyValue() {
    feed("data\n\n");
    assertEquals(List.of(""), data());
  }

  @Test
  void doneMarkerIsPlainData() {
    feed("data: [DONE]\n\n");
    assertEquals(List.of("[DONE]"), data());
  }

  @Test
  void unterminatedEventIsNotDispatchedAndIsReportedPartial() {
    feed("data: {\"cut\":");
    assertTrue(events.isEmpty());
    assertTrue(parser.hasPartialEvent());
    feed("true}\n");
    // One line end closes the line but not the event.
    assertTrue(events.isEmpty());
    assertTrue(parser.hasPartialEvent());
  }

  @Test
  void longLineGrowsTheBuffer() {
    String big = "x".repeat(10_000);
    feed("data: " + big.substring(0, 3000));
    feed(big.substring(3000) + "\n\n");
    assertEquals(List.of(big), data());
  }
}
