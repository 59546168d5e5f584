package io.switchboard.realtime.openai;

/** How many bytes a base64 text decodes to, without decoding it (audio is counted, not needed). */
final class Base64Length {

  private Base64Length() {
  }

  static long decoded(String b64) {
    int n = b64.length();
    if (n == 0) {
      return 0;
    }
    int pad = b64.endsWith("==") ? 2 : b64.endsWith("=") ? 1 : 0;
    return (long) n * 3 / 4 - pad;
  }
}
