package io.switchboard.app.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, byte for byte as the test writes it, so that what no client library would send
 * (garbage, a lying content length, a header with a line break) can be sent. The answer is read to the end of the
 * connection: a reset or a wait past the timeout is reported as such, never mistaken for an answer.
 */
final class RawHttp {

  /** The status, headers (lower-case names) and body of an answer. */
  record Response(int status, Map<String, String> headers, Buffer body) {
    JsonObject json() {
      return new JsonObject(body);
    }

    @Override
    public String toString() {
      String text = body.toString(StandardCharsets.UTF_8);
      return status + " " + headers.getOrDefault("content-type", "") + " " + (text.length() > 400 ? text.substring(0, 400) + "..." : text);
    }
  }

  private RawHttp() {
  }

  /** A request with {@code connection: close}; {@code head} ends at the last header line, without the blank line. */
  static byte[] request(String method, String path, Map<String, String> headers, Buffer body) {
    StringBuilder sb = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n");
    headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
    if (body != null && headers.keySet().stream().noneMatch(k -> k.equalsIgnoreCase("content-length") || k.equalsIgnoreCase("transfer-encoding"))) {
      sb.append("content-length: ").append(body.length()).append("\r\n");
    }
    sb.append("\r\n");
    Buffer out = Buffer.buffer(sb.toString());
    if (body != null) {
      out.appendBuffer(body);
    }
    return out.getBytes();
  }

  /** Sends {@code bytes} and reads the answer to the end of the connection, for at most {@code timeoutMs}. */
  static Response send(int port, byte[] bytes, int timeoutMs) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(timeoutMs);
      OutputStream out = s.getOutputStream();
      out.write(bytes);
      out.flush();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      try {
        for (int n; (n = in.read(buf)) > 0; ) {
          all.write(buf, 0, n);
        }
      } catch (SocketTimeoutException e) {
        throw new IOException("no end of the answer within " + timeoutMs + " ms (a hang); got: " + all.toString(StandardCharsets.UTF_8), e);
      }
      return parse(all.toByteArray());
    }
  }

  private static Response parse(byte[] raw) throws IOException {
    Buffer b = Buffer.buffer(raw);
    String text = b.toString(StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      throw new IOException("no HTTP answer (the connection closed without one): '" + text + "'");
    }
    String[] lines = text.substring(0, end).split("\r\n");
    String[] status = lines[0].split(" ", 3);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
    }
    Buffer body = b.getBuffer(end + 4, b.length());
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      body = dechunk(body);
    }
    return new Response(Integer.parseInt(status[1]), headers, body);
  }

  private static Buffer dechunk(Buffer chunked) {
    Buffer out = Buffer.buffer();
    int pos = 0;
    String s = chunked.toString(StandardCharsets.ISO_8859_1);
    while (pos < s.length()) {
      int eol = s.indexOf("\r\n", pos);
      if (eol < 0) {
        break;
      }
      int size = Integer.parseInt(s.substring(pos, eol).split(";")[0].trim(), 16);
      if (size == 0) {
        break;
      }
      out.appendBuffer(chunked.getBuffer(eol + 2, eol + 2 + size));
      pos = eol + 2 + size + 2;
    }
    return out;
  }

  /**
   * Reads a response up to the blank line after its headers, one byte at a time so as not to read past it: what a
   * client that stops reading after the head has taken from the connection.
   */
  static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      head.write(b);
      String text = head.toString(StandardCharsets.ISO_8859_1);
      if (text.endsWith("\r\n\r\n")) {
        return text;
      }
    }
    throw new AssertionError("the connection closed before the response head: " + head.toString(StandardCharsets.ISO_8859_1));
  }

  /**
   * Sends {@code request} to 127.0.0.1:{@code port} on a socket with a small receive window (so that a client that stops
   * reading stops the server's writes early) and reads the 200 response's head, not a byte more. The caller closes it.
   */
  static Socket sendAndReadHead(int port, byte[] request) throws IOException {
    Socket client = new Socket();
    try {
      client.setReceiveBufferSize(8 * 1024);
      client.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      client.setSoTimeout(30_000);
      client.getOutputStream().write(request);
      client.getOutputStream().flush();
      String head = readHead(client.getInputStream());
      if (!head.startsWith("HTTP/1.1 200")) {
        throw new AssertionError("expected a 200 response, got: " + head);
      }
      return client;
    } catch (IOException | RuntimeException | AssertionError e) {
      client.close();
      throw e;
    }
  }
}
