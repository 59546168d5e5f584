package io.switchboard.asr.openai;

import io.switchboard.core.http.BodyPart;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A {@code multipart/form-data} body (RFC 7578) built as a list of buffers: text fields and one file part whose
 * bytes are the caller's buffer itself, so the audio is written to the socket without being copied into a
 * form encoder.
 */
final class Multipart {

  private final String boundary = "switchboard-" + UUID.randomUUID();
  private final List<Buffer> parts = new ArrayList<>();
  private Buffer head = Buffer.buffer();

  String contentType() {
    return "multipart/form-data; boundary=" + boundary;
  }

  Multipart field(String name, String value) {
    if (value != null) {
      head.appendString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + quote(name) + "\"\r\n\r\n")
        .appendString(value).appendString("\r\n");
    }
    return this;
  }

  Multipart file(String name, String filename, String contentType, Buffer content) {
    head.appendString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + quote(name) + "\"; filename=\""
      + quote(filename) + "\"\r\nContent-Type: " + contentType + "\r\n\r\n");
    parts.add(head);
    parts.add(content);
    head = Buffer.buffer("\r\n");
    return this;
  }

  /** The parts to write in order, closing delimiter included; the file's is its buffer itself. */
  List<BodyPart> parts() {
    List<BodyPart> out = new ArrayList<>();
    parts.forEach(b -> out.add(BodyPart.of(b)));
    out.add(BodyPart.of(head.copy().appendString("--" + boundary + "--\r\n")));
    return out;
  }

  /** Quotes and line breaks cannot appear inside a quoted header parameter: percent-encode them as browsers do. */
  private static String quote(String s) {
    return s.replace("\r", "%0D").replace("\n", "%0A").replace("\"", "%22");
  }
}
