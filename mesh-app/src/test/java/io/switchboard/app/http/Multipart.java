package io.switchboard.app.http;

import io.vertx.core.buffer.Buffer;

import java.util.UUID;

/**
 * A {@code multipart/form-data} body written byte for byte as browsers, curl and the OpenAI SDKs write it (RFC 7578),
 * so the tests can also send what a well-behaved client never would: a file under another field name, an empty
 * file, no file at all.
 */
final class Multipart {

  private final String boundary = "----switchboard" + UUID.randomUUID().toString().replace("-", "");
  private final Buffer body = Buffer.buffer();

  Multipart field(String name, String value) {
    body.appendString("--" + boundary + "\r\n")
      .appendString("Content-Disposition: form-data; name=\"" + name + "\"\r\n\r\n")
      .appendString(value).appendString("\r\n");
    return this;
  }

  Multipart file(String name, String filename, String contentType, Buffer bytes) {
    body.appendString("--" + boundary + "\r\n")
      .appendString("Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename + "\"\r\n")
      .appendString("Content-Type: " + contentType + "\r\n\r\n")
      .appendBuffer(bytes).appendString("\r\n");
    return this;
  }

  String contentType() {
    return "multipart/form-data; boundary=" + boundary;
  }

  Buffer body() {
    return body.copy().appendString("--" + boundary + "--\r\n");
  }
}
