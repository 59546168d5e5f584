package io.switchboard.router.web;

import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.RouteHints;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

/**
 * Policy over HTTP headers: {@code x-switchboard-privacy}, {@code -strategy}, {@code -provider}, {@code -max-cost},
 * {@code -timeout-ms} fill the body fields of the same meaning when the body has none.
 */
final class PolicyHeaders {

  private PolicyHeaders() {
  }

  static void mergeInto(MultiMap headers, JsonObject body) {
    copy(headers, Headers.HINT_PRIVACY, body, RouteHints.PRIVACY, false);
    copy(headers, Headers.HINT_STRATEGY, body, RouteHints.STRATEGY, false);
    copy(headers, Headers.HINT_PROVIDER, body, RouteHints.PROVIDER, false);
    copy(headers, Headers.HINT_MAX_COST, body, RouteHints.MAX_COST, true);
    copy(headers, Headers.HINT_TIMEOUT_MS, body, RouteHints.TIMEOUT_MS, true);
  }

  private static void copy(MultiMap headers, String header, JsonObject body, String field, boolean numeric) {
    String v = headers.get(header);
    if (v == null || body.containsKey(field)) {
      return;
    }
    if (!numeric) {
      body.put(field, v.trim());
      return;
    }
    try {
      double d = Double.parseDouble(v.trim());
      body.put(field, d == Math.rint(d) && field.equals(RouteHints.TIMEOUT_MS) ? (Object) (long) d : (Object) d);
    } catch (NumberFormatException e) {
      throw MeshException.invalid(field, "header " + header + " must be a number");
    }
  }
}
