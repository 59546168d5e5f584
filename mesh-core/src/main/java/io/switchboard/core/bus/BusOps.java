package io.switchboard.core.bus;

import io.switchboard.api.MeshException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.function.Function;

/**
 * How a bus service that names its operation in the body's {@code op} (the router's admin service, the usage
 * verticle's keys and queries) starts its answer, so that each says only its operations. The body (empty when the
 * request came without one) goes to the service's switch; what the switch throws becomes the failed answer: a
 * {@link MeshException} (an unknown op, a field out of range) as it is, an exception of the service's
 * {@code malformed} class (a field of another JSON type reads as a {@link ClassCastException}) as INVALID_REQUEST
 * "malformed {what}: ...". Any other exception is thrown on, as before this helper.
 */
public final class BusOps {

  private BusOps() {
  }

  /** The answer of {@code operations} to {@code body}, or its refusal as a failed future (see the class comment). */
  @SuppressWarnings("unchecked") // a Future is read-only: a Future<? extends T> is a Future<T> to whoever reads it
  public static <T> Future<T> start(JsonObject body, String what, Class<? extends RuntimeException> malformed,
                                    Function<JsonObject, ? extends Future<? extends T>> operations) {
    try {
      return (Future<T>) operations.apply(body == null ? new JsonObject() : body);
    } catch (MeshException e) {
      return Future.failedFuture(e);
    } catch (RuntimeException e) {
      if (malformed.isInstance(e)) {
        return Future.failedFuture(MeshException.invalid(null, "malformed " + what + ": " + e.getMessage()));
      }
      throw e;
    }
  }
}
