package io.switchboard.app.usage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the ledger's CSV export (RFC 4180: quoted fields, doubled quotes, CRLF) into rows keyed by the header. */
final class Csv {

  private Csv() {
  }

  static List<Map<String, String>> parse(String text) {
    List<List<String>> lines = lines(text);
    List<Map<String, String>> rows = new ArrayList<>();
    if (lines.isEmpty()) {
      return rows;
    }
    List<String> header = lines.get(0);
    for (List<String> line : lines.subList(1, lines.size())) {
      Map<String, String> row = new LinkedHashMap<>();
      for (int i = 0; i < header.size(); i++) {
        row.put(header.get(i), i < line.size() ? line.get(i) : "");
      }
      rows.add(row);
    }
    return rows;
  }

  /** The header line, as the export wrote it. */
  static String header(String text) {
    int end = text.indexOf("\r\n");
    return end < 0 ? text : text.substring(0, end);
  }

  private static List<List<String>> lines(String text) {
    List<List<String>> out = new ArrayList<>();
    List<String> line = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        line.add(field.toString());
        field.setLength(0);
      } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
        line.add(field.toString());
        field.setLength(0);
        out.add(line);
        line = new ArrayList<>();
        i++;
      } else {
        field.append(c);
      }
    }
    if (field.length() > 0 || !line.isEmpty()) {
      line.add(field.toString());
      out.add(line);
    }
    return out;
  }
}
