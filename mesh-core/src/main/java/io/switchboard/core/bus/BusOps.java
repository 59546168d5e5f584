package io.switchboard.core.bus;

import io.switchboard.api.MeshException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * How a bus service that names its operation in the body's {@code op} (the router's admin service, the usage
 * verticle's keys and queries) starts its answer, so that each says only its operations. The body (empty when the
 * request came without one) goes to the service's switch; what the switch throws becomes the failed answer: a
 * {@link MeshException} (an unknown op, a field out of range) as it is, an exception of the service's
 * {@code malformed} class (a field of another JSON type reads as a {@link ClassCastException}) as INVALID_REQUEST
 * "malformed {what}: ...". A body that is not a JSON object (a string of JSON text, an array) is INVALID_REQUEST
 * too. Any other exception is answered as INTERNAL (logged with its stack): it was not a value the service knows
 * to be bad, so calling it the caller's fault could mislead, but thrown on it would leave the caller waiting for
 * the bus timeout.
 */
public final class BusOps {

  private static final Logger LOG = Logger.getLogger(BusOps.class.getName());

  private BusOps() {
  }

  /** The answer of {@code operations} to {@code body}, or its refusal as a failed future (see the class comment). */
  @SuppressWarnings("unchecked") // a Future is read-only: a Future<? extends T> is a Future<T> to whoever reads it
  public static <T> Future<T> start(Object body, String what, Class<? extends RuntimeException> malformed,
                                    Function<JsonObject, ? extends Future<? extends T>> operations) {
    if (body != null && !(body instanceof JsonObject)) {
      return Future.failedFuture(MeshException.invalid(null,
        "malformed " + what + ": the body must be a JSON object, got " + body.getClass().getSimpleName()));
    }
    try {
      return (Future<T>) operations.apply(body == null ? new JsonObject() : (JsonObject) body);
    } catch (MeshException e) {
      return Future.failedFuture(e);
    } catch (RuntimeException e) {
      if (malformed.isInstance(e)) {
        return Future.failedFuture(MeshException.invalid(null, "malformed " + what + ": " + e.getMessage()));
      }
      LOG.log(Level.SEVERE, "answering a " + what + " failed", e);
      return Future.failedFuture(MeshException.from(e));
    }
  }
}
