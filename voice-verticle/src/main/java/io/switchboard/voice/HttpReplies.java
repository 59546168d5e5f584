package io.switchboard.voice;

import io.switchboard.api.MeshException;
import io.vertx.ext.web.RoutingContext;

/** Refusals over HTTP before a call exists: the status, OpenAI's error JSON, and Retry-After when there is one. */
final class HttpReplies {

  private HttpReplies() {
  }

  static void error(RoutingContext ctx, MeshException e) {
    var res = ctx.response().setStatusCode(e.errorCode().httpStatus()).putHeader("content-type", "application/json");
    if (e.retryAfterMs() > 0) {
      res.putHeader("retry-after", Long.toString(Math.max(1, (e.retryAfterMs() + 999) / 1000)));
    }
    res.end(e.toOpenAiJson().encode());
  }
}
