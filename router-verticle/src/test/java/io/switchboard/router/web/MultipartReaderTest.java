package io.switchboard.router.web;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.cid.CidHasher;
import io.switchboard.core.cid.FileDag;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The streaming form reader against RFC 7578 bodies: the same form read whole, byte by byte and in random pieces
 * gives the same fields and the same file bytes, including files that contain near-boundaries; bad bodies are
 * refused naming the problem.
 */
class MultipartReaderTest {

  static final String B = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

  /** A file whose bytes look like the start of a delimiter more than once, and like one without its CRLF. */
  static final Buffer TRICKY = Buffer.buffer("RIFF\r\n--").appendString("\r\n--" + B.substring(0, 10))
    .appendString("--" + B + "\r\n").appendString("\r\r\n\r\n-").appendBytes(new byte[]{0, (byte) 0xFF, '\r'});

  static Buffer form(Buffer file) {
    return Buffer.buffer("preamble that readers ignore\r\n")
      .appendString("--" + B + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n")
      .appendString("--" + B + "\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nLines\r\nwith CRLF and é\r\n")
      .appendString("--" + B + "  \r\ncontent-type: audio/wav\r\nContent-Disposition: form-data; name=\"file\"; "
        + "filename=\"my \\\"call\\\"; 1.wav\"\r\n\r\n")
      .appendBuffer(file)
      .appendString("\r\n--" + B + "--\r\nepilogue, ignored");
  }

  static MultipartReader read(Buffer body, int... pieces) {
    MultipartReader reader = new MultipartReader(B, 10_000_000);
    int at = 0;
    int p = 0;
    while (at < body.length()) {
      int n = pieces.length == 0 ? body.length() : pieces[p++ % pieces.length];
      int end = Math.min(body.length(), at + n);
      reader.feed(body.getBuffer(at, end));
      at = end;
    }
    reader.end();
    return reader;
  }

  static void assertForm(MultipartReader r, Buffer file) {
    assertEquals(Map.of("model", "whisper-1", "prompt", "Lines\r\nwith CRLF and é"), r.fields());
    assertEquals("file", r.filePart().name());
    assertEquals("my \"call\"; 1.wav", r.filePart().filename());
    assertEquals("audio/wav", r.filePart().contentType());
    assertEquals(1, r.fileParts());
    assertEquals(file, r.file());
  }

  @Test
  void aWholeFormReadsAsSent() {
    assertForm(read(form(TRICKY)), TRICKY);
  }

  /** Every split point, so a boundary, a CRLF or a header line cut between two reads is handled at each place. */
  @Test
  void anyPieceSizeGivesTheSameForm() {
    Buffer body = form(TRICKY);
    for (int size = 1; size <= 80; size++) {
      assertForm(read(body, size), TRICKY);
    }
    assertForm(read(body, 1, 2, 3, 5, 7, 11, 13), TRICKY);
  }

  /**
   * The body cut in two at every point: the second read is long, so a delimiter (or a near one in the file) that
   * starts in the bytes held back from the first read is decided at the junction, without joining the two reads.
   */
  @Test
  void aBodyCutInTwoAnywhereGivesTheSameForm() {
    Buffer body = form(TRICKY);
    for (int cut = 1; cut < body.length(); cut++) {
      MultipartReader reader = new MultipartReader(B, 10_000_000);
      reader.feed(body.getBuffer(0, cut));
      reader.feed(body.getBuffer(cut, body.length()));
      reader.end();
      assertForm(reader, TRICKY);
    }
  }

  /**
   * A read that holds the form's start and the file: after the few bytes joined with what the read before left (here
   * the CRLF the body is read as if it began with), the steps go on in the read itself, so the file is kept as the
   * read's own bytes (Vert.x's copy for the handler), not copied into a joined buffer and then staged again.
   */
  @Test
  void aFileThatStartsInTheFirstReadIsKeptFromItNotCopied() {
    byte[] bytes = new byte[100_000];
    new Random(3).nextBytes(bytes);
    Buffer file = Buffer.buffer(bytes);
    Buffer body = form(file);
    Buffer read = body.getBuffer(0, body.length());
    MultipartReader reader = new MultipartReader(B, 10_000_000);
    reader.feed(read);
    reader.end();
    assertForm(reader, file);
    int fileAt = body.length() - file.length() - ("\r\n--" + B + "--\r\nepilogue, ignored").length();
    read.setByte(fileAt + 5, (byte) (read.getByte(fileAt + 5) + 1));
    assertEquals(read.getByte(fileAt + 5), reader.file().getByte(5), "the file is the read's own bytes");
  }

  /**
   * Part headers longer than what is joined of the next read ({@link MultipartReader#JOIN_BYTES}), cut between two
   * reads anywhere along them: the rest of the held headers is joined with the whole next read, and the form is the
   * same.
   */
  @Test
  void longPartHeadersCutBetweenTwoReadsGiveTheSameForm() {
    String name = "x".repeat(3 * MultipartReader.JOIN_BYTES);
    Buffer body = Buffer.buffer("--" + B + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n")
      .appendString("--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name + ".wav\"\r\n\r\n")
      .appendBuffer(TRICKY).appendString("\r\n--" + B + "--\r\n");
    int headersAt = body.toString().indexOf("--" + B + "\r\nContent-Disposition: form-data; name=\"file\"");
    for (int cut = headersAt - 3; cut < headersAt + name.length() + 120; cut += 13) {
      MultipartReader reader = new MultipartReader(B, 10_000_000);
      reader.feed(body.getBuffer(0, cut));
      reader.feed(body.getBuffer(cut, body.length()));
      reader.end();
      assertEquals(Map.of("model", "whisper-1"), reader.fields());
      assertEquals(name + ".wav", reader.filePart().filename());
      assertEquals(TRICKY, reader.file(), "cut at " + cut);
    }
  }

  @Test
  void aLargeRandomFileInRandomPiecesComesThroughExactly() {
    Random random = new Random(42);
    byte[] bytes = new byte[3 * 1024 * 1024 + 17];
    random.nextBytes(bytes);
    Buffer file = Buffer.buffer(bytes);
    int[] pieces = new int[64];
    for (int i = 0; i < pieces.length; i++) {
      pieces[i] = 1 + random.nextInt(70_000);
    }
    MultipartReader r = read(form(file), pieces);
    assertForm(r, file);
    assertEquals(CidHasher.of(file), r.fileDag().result().root(), "the CID of the file's bytes, hashed as they arrived");
  }

  /** With a Vert.x, the file's full leaves are hashed on its workers from where the reader keeps them: the same CID. */
  @Test
  void leavesHashedOnWorkersGiveTheFilesCid() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Random random = new Random(7);
      byte[] bytes = new byte[CidHasher.CHUNK_SIZE * 3 + 12_345];
      random.nextBytes(bytes);
      Buffer file = Buffer.buffer(bytes);
      Buffer body = form(file);
      MultipartReader reader = new MultipartReader(vertx, B, 10_000_000);
      for (int at = 0; at < body.length(); at += 8192) {
        reader.feed(body.getBuffer(at, Math.min(body.length(), at + 8192)));
      }
      reader.end();
      assertForm(reader, file);
      FileDag dag = reader.fileDag().await(30, TimeUnit.SECONDS);
      assertEquals(FileDag.of(file).root(), dag.root());
      assertEquals(FileDag.of(file).leaves(), dag.leaves());
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void aFileOfManyPartsComesThroughWhole() {
    Buffer file = Buffer.buffer(new byte[30 * UploadBuffer.STAGE + 5]).setByte(0, (byte) 'R').setByte(29 * UploadBuffer.STAGE, (byte) 'S');
    MultipartReader reader = new MultipartReader(B, 10_000_000);
    Buffer body = form(file);
    for (int at = 0; at < body.length(); at += 8192) {
      reader.feed(body.getBuffer(at, Math.min(body.length(), at + 8192)));
    }
    reader.end();
    assertForm(reader, file);
    assertEquals(file, reader.file());
  }

  @Test
  void anEmptyFileIsAFilePartWithNoBytes() {
    MultipartReader r = read(form(Buffer.buffer()));
    assertEquals(0, r.file().length());
    assertEquals("file", r.filePart().name());
  }

  @Test
  void aSecondFilePartIsCountedNotJoined() {
    Buffer body = Buffer.buffer("--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\nAAAA\r\n")
      .appendString("--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.wav\"\r\n\r\nBBBB\r\n")
      .appendString("--" + B + "--");
    MultipartReader r = read(body);
    assertEquals(2, r.fileParts());
    assertEquals(Buffer.buffer("AAAA"), r.file());
  }

  @Test
  void aFileUnderAnotherNameIsNamedNotKept() {
    Buffer body = Buffer.buffer("--" + B + "\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"a.wav\"\r\n\r\nAAAA\r\n")
      .appendString("--" + B + "--\r\n");
    MultipartReader r = read(body);
    assertNull(r.filePart());
    assertNull(r.file());
    assertEquals(java.util.List.of("audio"), r.otherFiles());
  }

  @Test
  void anExtendedFilenameIsDecoded() {
    Buffer body = Buffer.buffer("--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fallback.wav\"; "
      + "filename*=UTF-8''caf%C3%A9%20call.wav\r\n\r\nRIFF\r\n--" + B + "--");
    assertEquals("café call.wav", read(body).filePart().filename());
  }

  @Test
  void aFileOverTheLimitIsRefusedWhileItArrives() {
    MultipartReader reader = new MultipartReader(B, 1000);
    reader.feed(Buffer.buffer("--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\n"));
    reader.feed(Buffer.buffer(new byte[600]));
    MeshException e = assertThrows(MeshException.class, () -> reader.feed(Buffer.buffer(new byte[600])));
    assertEquals(ErrorCode.PAYLOAD_TOO_LARGE, e.errorCode());
    assertTrue(e.getMessage().contains("1000"), e.getMessage());
  }

  @Test
  void aBodyCutBeforeItsClosingBoundaryIsMalformed() {
    Buffer body = form(TRICKY);
    MultipartReader reader = new MultipartReader(B, 10_000_000);
    reader.feed(body.getBuffer(0, body.length() / 2));
    assertMalformed(assertThrows(MeshException.class, reader::end), "closing boundary");
  }

  @Test
  void aBodyWithAnotherBoundaryIsMalformed() {
    MultipartReader reader = new MultipartReader("not-the-one-used", 10_000_000);
    reader.feed(form(TRICKY));
    assertMalformed(assertThrows(MeshException.class, reader::end), "boundary");
  }

  @Test
  void aPartWithoutContentDispositionIsMalformed() {
    MultipartReader reader = new MultipartReader(B, 10_000_000);
    assertMalformed(assertThrows(MeshException.class,
      () -> reader.feed(Buffer.buffer("--" + B + "\r\nContent-Type: text/plain\r\n\r\nhi\r\n--" + B + "--"))), "Content-Disposition");
  }

  @Test
  void garbageAfterABoundaryIsMalformed() {
    MultipartReader reader = new MultipartReader(B, 10_000_000);
    assertMalformed(assertThrows(MeshException.class, () -> reader.feed(Buffer.buffer("--" + B + "xyz\r\n"))), "after a boundary");
  }

  @Test
  void aFieldLongerThanItsLimitIsRefusedNamingIt() {
    MultipartReader reader = new MultipartReader(B, 10_000_000);
    reader.feed(Buffer.buffer("--" + B + "\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\n"));
    MeshException e = assertThrows(MeshException.class,
      () -> reader.feed(Buffer.buffer(new byte[MultipartReader.MAX_FIELD_BYTES + 100])));
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertEquals("prompt", e.param());
  }

  @Test
  void theBoundaryIsReadFromTheContentType() {
    assertEquals("abc", PartHeaders.boundary("multipart/form-data; boundary=abc"));
    assertEquals("a b;c", PartHeaders.boundary("multipart/form-data; charset=utf-8; boundary=\"a b;c\""));
    assertNull(PartHeaders.boundary("multipart/form-data"));
    assertNull(PartHeaders.boundary("multipart/form-data; boundary="));
  }

  private static void assertMalformed(MeshException e, String naming) {
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertEquals("file", e.param());
    assertTrue(e.getMessage().startsWith("malformed multipart body") && e.getMessage().contains(naming), e.getMessage());
  }
}
