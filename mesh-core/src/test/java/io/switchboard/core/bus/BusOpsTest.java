package io.switchboard.core.bus;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BusOpsTest {

  /** A service with one op, {@code count}, that reads an integer field. */
  private static final Function<JsonObject, Future<Integer>> OPS = body -> switch (body.getString("op", "")) {
    case "count" -> Future.succeededFuture(body.getInteger("n", 0));
    case "broken" -> throw new IllegalStateException("a bug");
    default -> throw MeshException.invalid("op", "unknown op '" + body.getString("op") + "'");
  };

  /**
   * One refusal of the test service: the body sent, the exceptions it counts as the caller's ({@code malformed}), and
   * the answer: its class, param and message ({@code exact}, or only how the message starts when the rest is the JVM's).
   */
  record Refusal(String what, Object body, Class<? extends RuntimeException> malformed, ErrorCode code, String param,
                 String message, boolean exact) {
    @Override
    public String toString() {
      return what;
    }
  }

  static Stream<Refusal> refusals() {
    JsonObject broken = new JsonObject().put("op", "broken");
    return Stream.of(
      new Refusal("a missing body reads as empty", null, ClassCastException.class, ErrorCode.INVALID_REQUEST, "op",
        "unknown op 'null'", true),
      new Refusal("a MeshException is the answer as it is", new JsonObject().put("op", "nope"), ClassCastException.class,
        ErrorCode.INVALID_REQUEST, "op", "unknown op 'nope'", true),
      new Refusal("a field of another type is a malformed request", new JsonObject().put("op", "count").put("n", "three"),
        ClassCastException.class, ErrorCode.INVALID_REQUEST, null, "malformed test request: ", false),
      new Refusal("a body that is not a JSON object is a malformed request", "{\"op\":\"count\"}", ClassCastException.class,
        ErrorCode.INVALID_REQUEST, null, "malformed test request: the body must be a JSON object, got String", true),
      new Refusal("an exception outside the malformed class is answered as internal", broken, ClassCastException.class,
        ErrorCode.INTERNAL, null, "internal error (IllegalStateException)", true),
      new Refusal("... unless the service counts it malformed", broken, RuntimeException.class, ErrorCode.INVALID_REQUEST, null,
        "malformed test request: a bug", true));
  }

  @Test
  void theSwitchAnswers() {
    assertEquals(3, BusOps.start(new JsonObject().put("op", "count").put("n", 3), "test request", ClassCastException.class, OPS).result());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void aRefusalIsTheCallersOrAnInternalError(Refusal r) {
    MeshException e = (MeshException) BusOps.start(r.body(), "test request", r.malformed(), OPS).cause();
    assertSame(r.code(), e.errorCode(), e.getMessage());
    assertEquals(r.param(), e.param());
    if (r.exact()) {
      assertEquals(r.message(), e.getMessage());
    } else {
      assertTrue(e.getMessage().startsWith(r.message()), e.getMessage());
    }
  }
}
