package io.switchboard.bench.usage;

import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Privacy;
import io.switchboard.api.RouteInfo;
import io.switchboard.api.UsageRecord;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Usage records shaped like a busy ledger's, for the ledger benchmarks: request ids as the router makes them, times in
 * order over {@code spanDays} days, 200 API keys (and a tenth without one), 8 backends, 12 models, the four
 * capabilities, 5 % failures and a route explanation. Deterministic: record {@code i} is always the same.
 */
final class LedgerRecords {

  static final Instant START = Instant.parse("2026-10-01T00:00:00Z");

  private static final String[][] BACKENDS = {
    {"openai", "cloud"}, {"anthropic", "zdr"}, {"local-whisper", "local"}, {"runpod-vllm", "private"},
    {"elevenlabs", "cloud"}, {"openrouter", "cloud"}, {"jlama", "local"}, {"workstation", "private"}};
  private static final String[] MODELS = {"gpt-4o-mini", "gpt-4o", "claude-3-5-haiku", "whisper-base", "llama-3.1-8b",
    "eleven_flash_v2_5", "tts-1", "light", "heavy", "e5-small", "qwen2.5-7b", "gemini-2.0-flash"};
  private static final HexFormat HEX = HexFormat.of();

  private final long total;
  private final long spanMs;

  LedgerRecords(long total, int spanDays) {
    this.total = total;
    this.spanMs = spanDays * 86_400_000L;
  }

  /** Time of record {@code i}: evenly spread, in order. */
  Instant time(long i) {
    return START.plusMillis(i * spanMs / total);
  }

  UsageRecord record(long i) {
    SplittableRandom r = new SplittableRandom(i * 0x9E3779B97F4A7C15L);
    String[] b = BACKENDS[r.nextInt(BACKENDS.length)];
    String model = MODELS[r.nextInt(MODELS.length)];
    int key = r.nextInt(220);
    UsageRecord.Builder out = UsageRecord.builder("req_" + HEX.toHexDigits(r.nextLong()) + HEX.toHexDigits(r.nextInt()))
      .time(time(i))
      .keyId(key >= 200 ? null : "k_" + HEX.toHexDigits(key * 7919L).substring(8))
      .capability(Capability.values()[r.nextInt(4)])
      .backend(b[0])
      .model(model)
      .privacy(Privacy.parse(b[1]))
      .tokens(r.nextInt(4000), r.nextInt(1500))
      .audioSeconds(r.nextInt(4) == 0 ? r.nextInt(600_000) / 1000d : 0)
      .characters(r.nextInt(4) == 0 ? r.nextInt(3000) : 0)
      .latencyMs(r.nextInt(20_000))
      .firstByteMs(r.nextInt(2000))
      .costUsd(r.nextInt(50_000) / 1_000_000d)
      .route(new RouteInfo(b[0], model, r.nextInt(3) == 0 ? List.of(new RouteInfo.Skip("local-whisper", "breaker open")) : List.of()));
    if (r.nextInt(20) == 0) {
      out.error(ErrorCode.UPSTREAM);
    }
    return out.build();
  }

  List<UsageRecord> batch(long from, int n) {
    List<UsageRecord> out = new ArrayList<>(n);
    for (long i = from; i < Math.min(total, from + n); i++) {
      out.add(record(i));
    }
    return out;
  }
}
