package io.switchboard.core.bus;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BusOpsTest {

  /** A service with one op, {@code count}, that reads an integer field. */
  private static final Function<JsonObject, Future<Integer>> OPS = body -> switch (body.getString("op", "")) {
    case "count" -> Future.succeededFuture(body.getInteger("n", 0));
    case "broken" -> throw new IllegalStateException("a bug");
    default -> throw MeshException.invalid("op", "unknown op '" + body.getString("op") + "'");
  };

  @Test
  void theSwitchAnswersAndAMissingBodyReadsAsEmpty() {
    assertEquals(3, BusOps.start(new JsonObject().put("op", "count").put("n", 3), "test request", ClassCastException.class, OPS).result());
    MeshException none = refusal(null, ClassCastException.class);
    assertEquals("unknown op 'null'", none.getMessage());
  }

  @Test
  void aMeshExceptionIsTheAnswerAsItIs() {
    JsonObject body = new JsonObject().put("op", "nope");
    MeshException e = refusal(body, ClassCastException.class);
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertEquals("op", e.param());
    assertEquals("unknown op 'nope'", e.getMessage());
  }

  @Test
  void aFieldOfAnotherTypeIsAMalformedRequest() {
    JsonObject body = new JsonObject().put("op", "count").put("n", "three");
    MeshException e = refusal(body, ClassCastException.class);
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertNull(e.param());
    assertTrue(e.getMessage().startsWith("malformed test request: "), e.getMessage());
  }

  @Test
  void aBodyThatIsNotAJsonObjectIsAMalformedRequest() {
    MeshException e = refusal("{\"op\":\"count\"}", ClassCastException.class);
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertEquals("malformed test request: the body must be a JSON object, got String", e.getMessage());
  }

  @Test
  void anExceptionOutsideTheMalformedClassIsAnsweredAsInternalUnlessTheServiceCountsItMalformed() {
    JsonObject body = new JsonObject().put("op", "broken");
    MeshException bug = refusal(body, ClassCastException.class);
    assertSame(ErrorCode.INTERNAL, bug.errorCode());
    assertEquals("internal error (IllegalStateException)", bug.getMessage());
    MeshException e = refusal(body, RuntimeException.class);
    assertSame(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertEquals("malformed test request: a bug", e.getMessage());
  }

  /** How the test service refuses {@code body}, counting {@code malformed} exceptions as the caller's. */
  private static MeshException refusal(Object body, Class<? extends RuntimeException> malformed) {
    return (MeshException) BusOps.start(body, "test request", malformed, OPS).cause();
  }
}
