package io.switchboard.api;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The contract's enums travel as their lower-case names ({@code audio_in}, {@code zdr}); this is the one lookup that
 * reads such a name back, and the one refusal that names the allowed values in declaration order.
 */
final class WireNames {

  private WireNames() {
  }

  /** The constant of {@code type} whose wire name is exactly {@code value}, or null (null for null). */
  static <E extends Enum<E>> E find(Class<E> type, String value) {
    for (E constant : type.getEnumConstants()) {
      if (constant.name().toLowerCase(Locale.ROOT).equals(value)) {
        return constant;
      }
    }
    return null;
  }

  /**
   * {@link #find}, refusing a value that names no constant with
   * {@code unknown <what> '<value>' (<wire names>)}.
   */
  static <E extends Enum<E>> E parse(Class<E> type, String value, String what) {
    E constant = find(type, value);
    if (constant == null) {
      throw new IllegalArgumentException("unknown " + what + " '" + value + "' (" + list(type) + ")");
    }
    return constant;
  }

  /** The wire names of {@code type}'s constants in declaration order, comma separated. */
  static String list(Class<? extends Enum<?>> type) {
    return Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
  }
}
