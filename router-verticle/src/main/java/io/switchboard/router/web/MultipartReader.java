package io.switchboard.router.web;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.cid.ConcurrentDagHasher;
import io.switchboard.core.cid.FileDag;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@code multipart/form-data} body (RFC 7578 on RFC 2046 section 5.1) as it streams in, holding only what
 * the form needs: text fields (at most {@value #MAX_FIELDS}, each at most {@value #MAX_FIELD_BYTES} bytes), and the
 * first file part named {@code file} in an {@link UploadBuffer} bounded by the upload limit. Other file parts are
 * counted and dropped. What is still undecided between two reads (the start of a possible boundary, a part's
 * headers) is a few bytes, at most {@value #MAX_HEADER_BYTES}. Vert.x's form decoder, by contrast, keeps up to
 * 10 MiB of already-decoded body in a buffer of its own while the file streams through it.
 *
 * <p>{@link #feed} and {@link #end} throw {@link MeshException}: {@link ErrorCode#PAYLOAD_TOO_LARGE} when the file
 * passes the limit, {@link ErrorCode#INVALID_REQUEST} (param {@code file}) for a body that is not well-formed.
 * After a failure the reader must not be fed again.
 */
final class MultipartReader {

  static final int MAX_FIELDS = 100;
  static final int MAX_FIELD_BYTES = 64 * 1024;
  static final int MAX_HEADER_BYTES = 16 * 1024;
  static final int MAX_PREAMBLE_BYTES = 64 * 1024;
  private static final byte[] HEADERS_END = {'\r', '\n', '\r', '\n'};
  /**
   * How many of a read's first bytes are joined with bytes held from the read before (outside a part's data): enough
   * for a boundary and the usual part headers; more is joined only when a step needs it.
   */
  static final int JOIN_BYTES = 1024;

  private enum State { PREAMBLE, AFTER_BOUNDARY, HEADERS, BODY, EPILOGUE }

  /** Where a part's bytes go. */
  private interface Sink {
    void data(ByteBuf bytes);

    default void end() {
    }
  }

  private static final Sink DROP = bytes -> { };

  /** {@code CRLF "--" boundary}: the body is read as if it began with CRLF, so the first boundary matches too. */
  private final byte[] delimiter;
  private final DelimiterSearch delimiterSearch;
  private final long uploadLimit;
  private final Map<String, String> fields = new LinkedHashMap<>();
  private final List<String> otherFiles = new ArrayList<>();
  private State state = State.PREAMBLE;
  private ByteBuf carry = Unpooled.wrappedBuffer(new byte[]{'\r', '\n'});
  private long preamble;
  private Sink sink;
  private int fileParts;
  private PartHeaders filePart;
  private UploadBuffer file;
  /**
   * The file's CID and DAG, computed as its bytes arrive (the upload is never read a second time for it): each full
   * leaf on a worker thread, from the bytes where {@link UploadBuffer} keeps them.
   */
  private ConcurrentDagHasher fileHash;
  private final Vertx vertx;

  MultipartReader(String boundary, long uploadLimit) {
    this(null, boundary, uploadLimit);
  }

  /** @param vertx whose workers hash the file's leaves as they complete; null: hashed on the caller's thread */
  MultipartReader(Vertx vertx, String boundary, long uploadLimit) {
    this.vertx = vertx;
    this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    this.delimiterSearch = new DelimiterSearch(delimiter);
    this.uploadLimit = uploadLimit;
  }

  static MeshException malformed(String why) {
    return MeshException.invalid("file", "malformed multipart body: " + why);
  }

  /** Text fields by name (the last of a repeated name wins). */
  Map<String, String> fields() {
    return fields;
  }

  /** Names of file parts other than {@code file}. */
  List<String> otherFiles() {
    return otherFiles;
  }

  /** How many file parts named {@code file} came. */
  int fileParts() {
    return fileParts;
  }

  /** The first {@code file} part's headers, or null when none came. */
  PartHeaders filePart() {
    return filePart;
  }

  /** The first {@code file} part's bytes (no copy of what was received), or null when none came. */
  Buffer file() {
    return file == null ? null : file.toBuffer();
  }

  /**
   * The first {@code file} part's UnixFS DAG (its CID is the root) once its last leaves are hashed, or null when none
   * came. Call it after {@link #end}.
   */
  Future<FileDag> fileDag() {
    return fileHash == null || file == null ? Future.succeededFuture() : fileHash.finish();
  }

  void feed(Buffer chunk) {
    ByteBuf data = ((BufferInternal) chunk).getByteBuf();
    ByteBuf in = data;
    int heldBytes = 0;
    int dataStart = data.readerIndex();
    boolean joinedAll = true;
    if (carry != null) {
      ByteBuf held = carry;
      carry = null;
      if (state == State.BODY && held.readableBytes() + data.readableBytes() >= 2 * delimiter.length - 1) {
        bodyJunction(held, data); // the usual case: a part's data goes on without joining the two
      } else {
        // Before or between parts (a few bytes, now and then): one plain buffer of the held bytes and the first of
        // this read's. A composite view would make every later byte of this read cost a lookup of its component (the
        // file's bytes were read 4 times slower so). Once the steps are past the held bytes they go on in this read
        // itself, so a file part that starts in it is kept from it (UploadBuffer: Vert.x's own piece, not copied).
        heldBytes = held.readableBytes();
        int take = Math.min(data.readableBytes(), JOIN_BYTES);
        joinedAll = take == data.readableBytes();
        in = Unpooled.buffer(heldBytes + take).writeBytes(held).writeBytes(data, dataStart, take);
      }
    }
    while (true) {
      if (in != data && in.readerIndex() >= heldBytes) {
        data.readerIndex(dataStart + in.readerIndex() - heldBytes); // past the held bytes: the same place in data
        in = data;
      }
      if (step(in)) {
        continue; // each step consumes a boundary, a part's headers or data; false when it needs more bytes
      }
      if (in != data && in.readerIndex() >= heldBytes) {
        continue; // it needs more than was joined, and is past the held bytes: on in data
      }
      if (in == data || joinedAll) {
        break;
      }
      // Still in the held bytes, needing more than was joined (a part's headers across two reads): what is left of
      // them, joined with the whole read.
      ByteBuf restOfHeld = in.slice(in.readerIndex(), heldBytes - in.readerIndex());
      heldBytes = restOfHeld.readableBytes();
      in = Unpooled.buffer(heldBytes + data.readableBytes()).writeBytes(restOfHeld).writeBytes(data, dataStart, data.readableBytes());
      joinedAll = true;
    }
    if (in.isReadable() && state != State.EPILOGUE) {
      carry = Unpooled.copiedBuffer(in);
    }
  }

  void end() {
    if (state == State.PREAMBLE) {
      throw malformed("no part uses the boundary given in Content-Type");
    }
    if (state != State.EPILOGUE) {
      throw malformed("the body ended before its closing boundary");
    }
  }

  private boolean step(ByteBuf in) {
    return switch (state) {
      case PREAMBLE -> preamble(in);
      case AFTER_BOUNDARY -> afterBoundary(in);
      case HEADERS -> headers(in);
      case BODY -> body(in);
      case EPILOGUE -> {
        in.skipBytes(in.readableBytes());
        yield false;
      }
    };
  }

  private boolean preamble(ByteBuf in) {
    int at = delimiterSearch.indexOf(in);
    if (at < 0) {
      int drop = Math.max(0, in.readableBytes() - (delimiter.length - 1));
      in.skipBytes(drop);
      preamble += drop;
      if (preamble > MAX_PREAMBLE_BYTES) {
        throw malformed("no part uses the boundary given in Content-Type");
      }
      return false;
    }
    in.readerIndex(at + delimiter.length);
    state = State.AFTER_BOUNDARY;
    return true;
  }

  /** After a boundary: {@code --} ends the body; else optional spaces or tabs, CRLF, and a part's headers. */
  private boolean afterBoundary(ByteBuf in) {
    int r = in.readerIndex();
    if (in.readableBytes() < 2) {
      return false;
    }
    if (in.getByte(r) == '-' && in.getByte(r + 1) == '-') {
      state = State.EPILOGUE;
      in.skipBytes(in.readableBytes());
      return false;
    }
    int i = r;
    while (i < in.writerIndex() && (in.getByte(i) == ' ' || in.getByte(i) == '\t')) {
      i++;
    }
    if (i - r > 64) {
      throw malformed("unexpected bytes after a boundary");
    }
    if (in.writerIndex() - i < 2) {
      return false;
    }
    if (in.getByte(i) != '\r' || in.getByte(i + 1) != '\n') {
      throw malformed("unexpected bytes after a boundary");
    }
    in.readerIndex(i + 2);
    state = State.HEADERS;
    return true;
  }

  private boolean headers(ByteBuf in) {
    int r = in.readerIndex();
    int end;
    if (in.readableBytes() >= 2 && in.getByte(r) == '\r' && in.getByte(r + 1) == '\n') {
      end = r - 2; // no header lines at all: the blank line comes first
    } else {
      end = DelimiterSearch.scan(in, HEADERS_END);
    }
    if (end < 0 || end - r > MAX_HEADER_BYTES) {
      if (in.readableBytes() > MAX_HEADER_BYTES) {
        throw malformed("a part's headers are longer than " + MAX_HEADER_BYTES + " bytes");
      }
      return false;
    }
    String block = end > r ? in.toString(r, end - r, StandardCharsets.UTF_8) : "";
    in.readerIndex(end + HEADERS_END.length);
    startPart(PartHeaders.parse(block));
    state = State.BODY;
    return true;
  }

  /**
   * A part's data went on past the last read: {@code held} is its last bytes, fewer than the delimiter, kept because
   * the delimiter could start there. Decides that with the first bytes of {@code data} (there are enough: the two
   * together are at least two delimiters less one byte, so a match starting anywhere in held ends in data): either
   * the delimiter starts in {@code held} (the bytes before it end the part, {@code data} is read from just after it)
   * or it does not (all of {@code held} is data). Nothing is joined or copied; {@code data} then goes on alone.
   */
  private void bodyJunction(ByteBuf held, ByteBuf data) {
    int h = held.readerIndex();
    int c = held.readableBytes();
    int d = data.readerIndex();
    for (int i = 0; i < c; i++) {
      int j = 0;
      while (j < delimiter.length && (i + j < c ? held.getByte(h + i + j) : data.getByte(d + i + j - c)) == delimiter[j]) {
        j++;
      }
      if (j == delimiter.length) {
        if (i > 0) {
          sink.data(held.slice(h, i));
        }
        data.readerIndex(d + delimiter.length - (c - i));
        sink.end();
        sink = null;
        state = State.AFTER_BOUNDARY;
        return;
      }
    }
    sink.data(held);
  }

  private boolean body(ByteBuf in) {
    int at = delimiterSearch.indexOf(in);
    int until = at >= 0 ? at : in.writerIndex() - (delimiter.length - 1);
    if (until > in.readerIndex()) {
      sink.data(in.slice(in.readerIndex(), until - in.readerIndex()));
      in.readerIndex(until);
    }
    if (at < 0) {
      return false;
    }
    in.readerIndex(at + delimiter.length);
    sink.end();
    sink = null;
    state = State.AFTER_BOUNDARY;
    return true;
  }

  private void startPart(PartHeaders part) {
    if (part.filename() == null) {
      if (fields.size() >= MAX_FIELDS && !fields.containsKey(part.name())) {
        throw malformed("more than " + MAX_FIELDS + " form fields");
      }
      sink = new FieldSink(part.name());
    } else if (!part.name().equals("file")) {
      otherFiles.add(part.name());
      sink = DROP;
    } else if (++fileParts > 1) {
      sink = DROP; // drained, never appended: two files must not become one audio stream
    } else {
      filePart = part;
      fileHash = new ConcurrentDagHasher(vertx);
      file = new UploadBuffer(fileHash::update);
      sink = new FileSink();
    }
  }

  /** The file's bytes: kept (most of them not copied, see {@link UploadBuffer}) and hashed as they come. */
  private final class FileSink implements Sink {
    @Override
    public void data(ByteBuf bytes) {
      if (file.length() + bytes.readableBytes() > uploadLimit) {
        file = null; // what was gathered is garbage now; the rest of the body is only read past
        throw new MeshException(ErrorCode.PAYLOAD_TOO_LARGE, "audio file exceeds the upload limit of " + uploadLimit + " bytes", "file");
      }
      file.append(bytes);
    }

    @Override
    public void end() {
      file.end();
    }
  }

  /** A text field, decoded as UTF-8 at its end. */
  private final class FieldSink implements Sink {
    private final String name;
    private final ByteBuf value = Unpooled.buffer(64, MAX_FIELD_BYTES);

    FieldSink(String name) {
      this.name = name;
    }

    @Override
    public void data(ByteBuf bytes) {
      if (value.readableBytes() + bytes.readableBytes() > MAX_FIELD_BYTES) {
        throw MeshException.invalid(name, "form field '" + name + "' is longer than " + MAX_FIELD_BYTES + " bytes");
      }
      value.writeBytes(bytes);
    }

    @Override
    public void end() {
      fields.put(name, value.toString(StandardCharsets.UTF_8));
    }
  }
}
