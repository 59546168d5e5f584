package io.switchboard.voice.auth;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * Twilio's webhook signature ({@code X-Twilio-Signature}): base64 of HMAC-SHA1, keyed with the account's auth token,
 * over the full URL Twilio called followed by every POST parameter, sorted by name, as name and value with no
 * separators (https://www.twilio.com/docs/usage/webhooks/webhooks-security).
 */
public final class TwilioSignature {

  private TwilioSignature() {
  }

  public static String sign(String authToken, String url, Map<String, String> params) {
    StringBuilder data = new StringBuilder(url);
    new TreeMap<>(params).forEach((k, v) -> data.append(k).append(v));
    try {
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(authToken.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
      return Base64.getEncoder().encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** True when {@code signature} is Twilio's for this request (compared in constant time). */
  public static boolean valid(String authToken, String signature, String url, Map<String, String> params) {
    if (signature == null || signature.isBlank()) {
      return false;
    }
    byte[] expected = sign(authToken, url, params).getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(expected, signature.trim().getBytes(StandardCharsets.UTF_8));
  }
}
