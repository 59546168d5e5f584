package io.switchboard.usage.query;

import io.switchboard.api.UsageRecord;
import io.switchboard.usage.RecordJson;

import java.math.BigDecimal;
import java.util.List;

/**
 * Usage records as CSV (RFC 4180): one header line, one line per record, the route as its JSON; then the exact cache's
 * part ({@code cache}: hit, miss or bypass, empty when the request never reached the cache; {@code saved_usd}: what a
 * hit saved) and the request's CIDs ({@code artifacts}, their JSON), last so that older readers' columns stay put.
 */
public final class UsageCsv {

  public static final String HEADER = "request_id,time,key_id,capability,backend,model,privacy,input_tokens,"
    + "output_tokens,audio_seconds,characters,latency_ms,first_byte_ms,cost_usd,status,error_code,route,cache,saved_usd,"
    + "artifacts";

  private UsageCsv() {
  }

  public static String write(List<UsageRecord> records) {
    return write(records, true);
  }

  /** The lines of {@code records}, after the header line when {@code header} (the first page of an export). */
  public static String write(List<UsageRecord> records, boolean header) {
    StringBuilder sb = new StringBuilder(HEADER.length() + 2 + records.size() * 200);
    if (header) {
      sb.append(HEADER).append("\r\n");
    }
    for (UsageRecord r : records) {
      field(sb, r.requestId()).append(',');
      field(sb, r.time().toString()).append(',');
      field(sb, r.keyId()).append(',');
      field(sb, r.capability() == null ? null : r.capability().wireName()).append(',');
      field(sb, r.backend()).append(',');
      field(sb, r.model()).append(',');
      field(sb, r.privacy() == null ? null : r.privacy().wireName()).append(',');
      sb.append(r.inputTokens()).append(',');
      sb.append(r.outputTokens()).append(',');
      sb.append(r.audioSeconds()).append(',');
      sb.append(r.characters()).append(',');
      sb.append(r.latencyMs()).append(',');
      sb.append(r.firstByteMs()).append(',');
      sb.append(BigDecimal.valueOf(r.costUsd()).toPlainString()).append(',');
      sb.append(r.status()).append(',');
      field(sb, r.errorCode()).append(',');
      field(sb, r.route() == null ? null : RecordJson.route(r.route())).append(',');
      field(sb, r.cache() == null ? null : r.cache().wireName()).append(',');
      sb.append(BigDecimal.valueOf(r.savedUsd()).toPlainString()).append(',');
      field(sb, r.artifacts().isEmpty() ? null : r.artifacts().toJson().encode()).append("\r\n");
    }
    return sb.toString();
  }

  /** Quotes a field when it holds a comma, quote or line break; a formula-like start is defused for spreadsheets. */
  public static StringBuilder field(StringBuilder sb, String v) {
    if (v == null) {
      return sb;
    }
    String s = v;
    if (!s.isEmpty() && "=+-@".indexOf(s.charAt(0)) >= 0) {
      s = "'" + s;
    }
    if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
      return sb.append('"').append(s.replace("\"", "\"\"")).append('"');
    }
    return sb.append(s);
  }
}
