package io.switchboard.router.web;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/** Writes failures as OpenAI's error JSON with the matching status (and Retry-After when known). */
public final class HttpErrors {

  private HttpErrors() {
  }

  public static void send(RoutingContext ctx, Throwable failure) {
    send(ctx.response(), MeshException.from(failure));
  }

  public static void send(HttpServerResponse res, MeshException e) {
    if (res.headWritten() || res.closed()) {
      if (!res.ended() && !res.closed()) {
        res.end();
      }
      return;
    }
    res.setStatusCode(e.errorCode().httpStatus()).putHeader("content-type", "application/json");
    if (e.retryAfterMs() > 0) {
      res.putHeader("retry-after", Long.toString(Math.max(1, (e.retryAfterMs() + 999) / 1000)));
    }
    res.end(e.toOpenAiJson().toBuffer());
  }

  /**
   * True when the body could not be read (its framing is broken: a chunk size that is not hex): the request failed
   * before its end, with the decoder's error (vertx-web's body handler passes it on, unwrapped or not).
   */
  static boolean bodyUnreadable(RoutingContext ctx) {
    Throwable t = ctx.failure();
    return t != null && !ctx.request().isEnded() && !(t instanceof MeshException) && !(t instanceof io.vertx.ext.web.handler.HttpException);
  }

  /** The error for a failed routing context: vertx-web status codes (413 from the body limit, 404, 405) or the failure. */
  static MeshException of(RoutingContext ctx) {
    if (bodyUnreadable(ctx)) {
      return MeshException.invalid(null, "malformed HTTP request body (its framing cannot be read)");
    }
    if (ctx.failure() != null && !(ctx.failure() instanceof io.vertx.ext.web.handler.HttpException)) {
      return MeshException.from(ctx.failure());
    }
    return switch (ctx.statusCode()) {
      case 413 -> new MeshException(ErrorCode.PAYLOAD_TOO_LARGE, "request body exceeds the size limit");
      case 404 -> new MeshException(ErrorCode.NOT_FOUND, "no route for " + ctx.request().method() + " " + ctx.request().path());
      case 405 -> new MeshException(ErrorCode.METHOD_NOT_ALLOWED, ctx.request().method() + " is not allowed on " + ctx.request().path());
      case 415 -> new MeshException(ErrorCode.UNSUPPORTED_MEDIA, "unsupported content type");
      case 400 -> MeshException.invalid(null, "bad request");
      default -> new MeshException(ErrorCode.INTERNAL, "internal error");
    };
  }
}
