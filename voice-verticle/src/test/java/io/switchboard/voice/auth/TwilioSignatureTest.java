package io.switchboard.voice.auth;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TwilioSignatureTest {

  /** The example of Twilio's security documentation: auth token 12345 signs this URL and form. */
  private static final String URL = "https://mycompany.com/myapp.php?foo=1&bar=2";
  private static final Map<String, String> PARAMS = Map.of("CallSid", "CA1234567890ABCDE", "Caller", "+12349013030",
    "Digits", "1234", "From", "+12349013030", "To", "+18005551212");

  @Test
  void matchesTwilioDocumentedExample() {
    assertEquals("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", TwilioSignature.sign("12345", URL, PARAMS));
    assertTrue(TwilioSignature.valid("12345", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", URL, PARAMS));
  }

  @Test
  void anyChangeBreaksIt() {
    String sig = TwilioSignature.sign("12345", URL, PARAMS);
    assertFalse(TwilioSignature.valid("12346", sig, URL, PARAMS));
    assertFalse(TwilioSignature.valid("12345", sig, URL.replace("foo=1", "foo=2"), PARAMS));
    assertFalse(TwilioSignature.valid("12345", sig, URL, Map.of("CallSid", "CA1234567890ABCDE")));
    assertFalse(TwilioSignature.valid("12345", null, URL, PARAMS));
  }
}
