package io.switchboard.api;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The taxonomy read back from the two forms a failure travels in: a bare failure code, and OpenAI's {@code code}. */
class ErrorCodeTest {

  @Test
  void everyCodeIsFoundByItsOpenAiCode() {
    for (ErrorCode c : ErrorCode.values()) {
      assertSame(c, ErrorCode.fromOpenAiCode(c.openAiCode()), c.name());
    }
  }

  @Test
  void aBareFailureCodeIsTheFirstClassWithThatStatus() {
    assertSame(ErrorCode.INVALID_REQUEST, ErrorCode.fromFailureCode(400));
    assertSame(ErrorCode.MODEL_NOT_FOUND, ErrorCode.fromFailureCode(404));
    assertSame(ErrorCode.INVALID_REQUEST, ErrorCode.fromFailureCode(418), "another 4xx");
    assertSame(ErrorCode.INTERNAL, ErrorCode.fromFailureCode(599));
    assertSame(ErrorCode.TIMEOUT, ErrorCode.fromFailureCode(408), "a request timeout is a timeout, not the caller's error");
  }

  @Test
  void aConflictIsA409OfTheCallersMaking() {
    assertSame(ErrorCode.CONFLICT, ErrorCode.fromFailureCode(409));
    assertEquals(409, ErrorCode.CONFLICT.httpStatus());
    assertEquals("invalid_request_error", ErrorCode.CONFLICT.type());
    assertEquals("conflict", ErrorCode.CONFLICT.openAiCode());
    assertFalse(ErrorCode.CONFLICT.upstreamFault(), "no other backend would answer it differently");
  }
}
