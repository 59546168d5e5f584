package io.switchboard.router.web;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The headers of one part of a {@code multipart/form-data} body (RFC 7578): its field name, its file name when it
 * is a file ({@code filename}, or the RFC 5987 {@code filename*} form, which wins), and its {@code Content-Type}.
 * Also reads the {@code boundary} parameter of the request's own Content-Type.
 */
record PartHeaders(String name, String filename, String contentType) {

  /** Parses a part's header block (lines separated by CRLF, without the blank line that ends it). */
  static PartHeaders parse(String block) {
    String disposition = null;
    String type = null;
    for (String line : block.split("\r\n")) {
      if (line.isEmpty()) {
        continue;
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw MultipartReader.malformed("a part header line has no name");
      }
      String header = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      if (header.equals("content-disposition")) {
        disposition = value;
      } else if (header.equals("content-type")) {
        type = value;
      }
    }
    if (disposition == null) {
      throw MultipartReader.malformed("a part has no Content-Disposition header");
    }
    List<String> items = splitUnquoted(disposition);
    if (!items.get(0).trim().equalsIgnoreCase("form-data")) {
      throw MultipartReader.malformed("a part's Content-Disposition is not form-data");
    }
    Map<String, String> params = params(items.subList(1, items.size()));
    String name = params.get("name");
    if (name == null) {
      throw MultipartReader.malformed("a part has no name");
    }
    String filename = params.containsKey("filename*") ? extended(params.get("filename*")) : params.get("filename");
    return new PartHeaders(name, filename, type);
  }

  /** The {@code boundary} parameter of a multipart Content-Type, or null when it has none. */
  static String boundary(String contentType) {
    List<String> items = splitUnquoted(contentType);
    String b = params(items.subList(1, items.size())).get("boundary");
    return b == null || b.isEmpty() || b.length() > 200 ? null : b;
  }

  private static Map<String, String> params(List<String> items) {
    Map<String, String> out = new HashMap<>();
    for (String item : items) {
      int eq = item.indexOf('=');
      if (eq <= 0) {
        continue;
      }
      String key = item.substring(0, eq).trim().toLowerCase(Locale.ROOT);
      out.putIfAbsent(key, unquote(item.substring(eq + 1).trim()));
    }
    return out;
  }

  /** Splits on ';' outside quoted strings. */
  private static List<String> splitUnquoted(String value) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (quoted && c == '\\' && i + 1 < value.length()) {
        current.append(c).append(value.charAt(++i));
      } else if (c == '"') {
        quoted = !quoted;
        current.append(c);
      } else if (c == ';' && !quoted) {
        out.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    out.add(current.toString());
    return out;
  }

  private static String unquote(String v) {
    if (v.length() < 2 || v.charAt(0) != '"' || v.charAt(v.length() - 1) != '"') {
      return v;
    }
    StringBuilder out = new StringBuilder(v.length());
    for (int i = 1; i < v.length() - 1; i++) {
      char c = v.charAt(i);
      if (c == '\\' && i + 1 < v.length() - 1) {
        c = v.charAt(++i);
      }
      out.append(c);
    }
    return out.toString();
  }

  /** RFC 5987 {@code charset'language'percent-encoded}, e.g. {@code UTF-8''caf%C3%A9.wav}. */
  private static String extended(String v) {
    int first = v.indexOf('\'');
    int second = first < 0 ? -1 : v.indexOf('\'', first + 1);
    if (second < 0) {
      throw MultipartReader.malformed("a part's filename* is not charset'language'value");
    }
    Charset charset;
    try {
      charset = Charset.forName(v.substring(0, first));
    } catch (RuntimeException e) {
      charset = StandardCharsets.UTF_8;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    String encoded = v.substring(second + 1);
    for (int i = 0; i < encoded.length(); i++) {
      char c = encoded.charAt(i);
      if (c == '%' && i + 2 < encoded.length()) {
        try {
          bytes.write(Integer.parseInt(encoded.substring(i + 1, i + 3), 16));
          i += 2;
          continue;
        } catch (NumberFormatException e) {
          throw MultipartReader.malformed("a part's filename* has a bad percent escape");
        }
      }
      bytes.write(c);
    }
    return bytes.toString(charset);
  }
}
