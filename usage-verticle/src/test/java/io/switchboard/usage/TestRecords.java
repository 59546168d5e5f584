package io.switchboard.usage;

import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Privacy;
import io.switchboard.api.RouteInfo;
import io.switchboard.api.UsageRecord;
import io.switchboard.usage.store.GroupBy;
import io.switchboard.usage.store.UsageTotals;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;

/** Deterministic, varied usage records, and the totals a correct store must report for them. */
public final class TestRecords {

  public static final Instant START = Instant.parse("2026-11-20T22:00:00Z");

  private static final String[] KEYS = {"k_alpha", "k_beta", null};
  private static final String[][] BACKENDS = {
    {"openai", "gpt-4o-mini", "cloud"}, {"anthropic", "claude-3-5-haiku", "zdr"}, {"local-whisper", "whisper-base", "local"},
    {"runpod-vllm", "llama-3.1-8b", "private"}, {"elevenlabs", "eleven_flash_v2_5", "cloud"}};

  private TestRecords() {
  }

  /** {@code n} records over about three UTC days, a tenth of them failed. */
  public static List<UsageRecord> generate(int n, long seed, String idPrefix) {
    Random rnd = new Random(seed);
    List<UsageRecord> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String[] b = BACKENDS[rnd.nextInt(BACKENDS.length)];
      Capability cap = Capability.values()[rnd.nextInt(4)];
      boolean failed = rnd.nextInt(10) == 0;
      UsageRecord.Builder r = UsageRecord.builder(idPrefix + i)
        .time(START.plusMillis(rnd.nextInt(3 * 86_400_000)))
        .keyId(KEYS[rnd.nextInt(KEYS.length)])
        .capability(cap)
        .backend(b[0])
        .model(b[1])
        .privacy(Privacy.parse(b[2]))
        .tokens(rnd.nextInt(5000), rnd.nextInt(2000))
        .audioSeconds(rnd.nextInt(600_000) / 1000d)
        .characters(rnd.nextInt(3000))
        .latencyMs(rnd.nextInt(20_000))
        .firstByteMs(rnd.nextInt(2000))
        .costUsd(rnd.nextInt(50_000) / 1_000_000d)
        .route(new RouteInfo(b[0], b[1], rnd.nextBoolean() ? List.of() : List.of(new RouteInfo.Skip("local", "breaker open, \"half\""))));
      if (failed) {
        r.error(ErrorCode.UPSTREAM);
      }
      out.add(r.build());
    }
    return out;
  }

  /** What a store must answer for {@code records} over {@code [from, to)}, grouped by {@code g}. */
  public static List<UsageTotals> expected(List<UsageRecord> records, GroupBy g, long from, long to) {
    Function<UsageRecord, String> key = switch (g) {
      case KEY -> UsageRecord::keyId;
      case BACKEND -> UsageRecord::backend;
      case MODEL -> UsageRecord::model;
      case CAPABILITY -> r -> r.capability() == null ? null : r.capability().wireName();
      case PRIVACY -> r -> r.privacy() == null ? null : r.privacy().wireName();
      case DAY -> r -> r.time().atZone(ZoneOffset.UTC).toLocalDate().toString();
      case MODE -> r -> r.call() == null ? null : r.call().mode();
    };
    Map<String, long[]> sums = new TreeMap<>(Comparator.nullsFirst(Comparator.naturalOrder()));
    for (UsageRecord r : records) {
      long t = r.time().toEpochMilli();
      if (t < from || t >= to) {
        continue;
      }
      long[] s = sums.computeIfAbsent(key.apply(r), k -> new long[7]);
      s[0]++;
      s[1] += r.inputTokens();
      s[2] += r.outputTokens();
      s[3] += Math.round(r.audioSeconds() * 1000);
      s[4] += r.characters();
      s[5] += Math.round(r.costUsd() * 1_000_000);
      s[6] += r.status() >= 400 ? 1 : 0;
    }
    List<UsageTotals> out = new ArrayList<>();
    sums.forEach((k, s) -> out.add(new UsageTotals(k, s[0], s[1], s[2], s[3], s[4], s[5], s[6])));
    return out;
  }
}
