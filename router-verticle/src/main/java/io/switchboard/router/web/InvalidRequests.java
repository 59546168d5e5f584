package io.switchboard.router.web;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * Answers what the HTTP decoder could not read as a request (a request line of garbage, TLS on the plain port, a
 * header line too long, a malformed header, a content length that is not a number) with an OpenAI error body, as every
 * other refusal, then closes the connection: 414 for a request line over the limit, 431 for headers over it, 400
 * otherwise. Nothing of the request reaches the router.
 */
final class InvalidRequests {

  private InvalidRequests() {
  }

  static void answer(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    int status;
    String code;
    String message;
    if (cause instanceof TooLongHttpLineException) {
      status = 414;
      code = "uri_too_long";
      message = "the request line is longer than this server accepts";
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = 431;
      code = "headers_too_large";
      message = "the request headers are larger than this server accepts";
    } else {
      status = 400;
      code = "invalid_request";
      message = "malformed HTTP request";
    }
    JsonObject error = new JsonObject().put("error", new JsonObject().put("message", message).put("type", "invalid_request_error")
      .putNull("param").put("code", code));
    request.response().setStatusCode(status).putHeader("content-type", "application/json").putHeader("connection", "close")
      .end(error.toBuffer()).onComplete(v -> request.connection().close());
  }
}
