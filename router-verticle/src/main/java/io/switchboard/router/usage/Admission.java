package io.switchboard.router.usage;

import io.switchboard.api.ApiKey;
import io.switchboard.api.Reservation;

/**
 * A request let in: the key it came with (null for none) and the money held against that key's budgets until the
 * request's real cost is known.
 */
public record Admission(ApiKey key, Reservation reservation) {

  public static final Admission NONE = new Admission(null, Reservation.none(null));
}
