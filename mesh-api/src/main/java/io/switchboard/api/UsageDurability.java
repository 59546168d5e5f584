package io.switchboard.api;

import io.vertx.core.json.JsonObject;

import java.util.Locale;

/**
 * What an answered request's usage record survives ({@code usage.durability}), named for the failure it covers. The
 * ledger confirms a record on {@link Addresses#USAGE} once it has the ledger's durability; a router answers once the
 * record is confirmed, unless the router's own setting is {@link #NONE}.
 * <ul>
 *   <li>{@link #NONE}: answers do not wait for the ledger; a crash can lose the records of the last answers.</li>
 *   <li>{@link #PROCESS} (the default): the record is written to the journal file (the kernel's page cache) before the
 *   answer; a crash of any process, {@code kill -9} included, loses nothing. The journal is fsynced in the
 *   background every few milliseconds, so a crash of the machine itself (power, kernel) can lose the records of
 *   the requests answered in that last interval.</li>
 *   <li>{@link #MACHINE}: the record is fsynced before the answer (group commit: the requests that finish together
 *   share one fsync); survives power loss, at about one fsync of latency per answer.</li>
 * </ul>
 */
public enum UsageDurability {
  NONE, PROCESS, MACHINE;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static UsageDurability parse(String value) {
    UsageDurability d = value == null ? null : WireNames.find(UsageDurability.class, value.trim().toLowerCase(Locale.ROOT));
    if (d != null) {
      return d;
    }
    throw new IllegalArgumentException("usage.durability must be none, process or machine, got '" + value + "'");
  }

  /**
   * Reads {@code durability} from the {@code usage:} conf slice, default {@link #PROCESS}. The deprecated
   * {@code durable_answers} is still read when {@code durability} is absent: {@code true} (answer after the fsync)
   * is {@link #MACHINE}, {@code false} (answer without waiting) is {@link #NONE}; giving both is refused.
   */
  public static UsageDurability fromConf(JsonObject usage) {
    Object level = usage.getValue("durability");
    Object legacy = usage.getValue("durable_answers");
    if (level != null && legacy != null) {
      throw new IllegalArgumentException("usage.durable_answers is replaced by usage.durability: remove durable_answers "
        + "(true was durability: machine, false was durability: none)");
    }
    if (legacy != null) {
      if (!(legacy instanceof Boolean b)) {
        throw new IllegalArgumentException("usage.durable_answers must be true or false (it is deprecated: use usage.durability)");
      }
      return b ? MACHINE : NONE;
    }
    if (level == null) {
      return PROCESS;
    }
    if (!(level instanceof String s)) {
      throw new IllegalArgumentException("usage.durability must be none, process or machine, got " + level);
    }
    return parse(s);
  }

  /** True when {@code usage} still uses the deprecated {@code durable_answers} (callers log a warning). */
  public static boolean deprecatedKeyUsed(JsonObject usage) {
    return usage.containsKey("durable_answers") && !usage.containsKey("durability");
  }
}
