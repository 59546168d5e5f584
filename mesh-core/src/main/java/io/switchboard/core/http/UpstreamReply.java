package io.switchboard.core.http;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.JsonText;
import io.switchboard.api.MeshException;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/** A complete upstream answer of bounded size, whatever its status: the adapter knows what an error means. */
public record UpstreamReply(int status, MultiMap headers, Buffer body) {

  public boolean ok() {
    return status >= 200 && status < 300;
  }

  /** The body as a JSON object; anything else is an {@link ErrorCode#UPSTREAM} failure naming {@code id}. */
  public JsonObject json(String id) {
    try {
      if (JsonText.value(body) instanceof JsonObject o) {
        return o;
      }
    } catch (RuntimeException ignored) {
      // reported below
    }
    throw new MeshException(ErrorCode.UPSTREAM, id + ": upstream answered " + status + " with a body that is not a JSON object");
  }
}
