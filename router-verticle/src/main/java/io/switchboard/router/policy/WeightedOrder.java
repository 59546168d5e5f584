package io.switchboard.router.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.function.Function;

/**
 * A traffic split as an order: items with a positive weight are drawn one after the other, each with probability
 * proportional to its weight among those left (so a 90/10 split sends 90% of first attempts to the first item, and
 * the other is the failover); items with no weight follow in their given order.
 */
final class WeightedOrder {

  private WeightedOrder() {
  }

  static <T> List<T> order(List<T> items, Function<T, String> name, Map<String, Integer> weights, DoubleSupplier random) {
    List<T> weighted = new ArrayList<>(items.size());
    List<T> rest = new ArrayList<>(items.size());
    for (T item : items) {
      if (weights.getOrDefault(name.apply(item), 0) > 0) {
        weighted.add(item);
      } else {
        rest.add(item);
      }
    }
    List<T> out = new ArrayList<>(items.size());
    while (!weighted.isEmpty()) {
      long total = 0;
      for (T item : weighted) {
        total += weights.get(name.apply(item));
      }
      double x = random.getAsDouble() * total;
      int pick = weighted.size() - 1;
      long cumulative = 0;
      for (int i = 0; i < weighted.size(); i++) {
        cumulative += weights.get(name.apply(weighted.get(i)));
        if (x < cumulative) {
          pick = i;
          break;
        }
      }
      out.add(weighted.remove(pick));
    }
    out.addAll(rest);
    return out;
  }
}
