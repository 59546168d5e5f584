package io.switchboard.router.web.console;

/**
 * The name an operator gives when logging in, shown in the audit list: letters, digits, spaces and {@code . _ @ -},
 * at most 40 characters; anything else is dropped, and an empty name is "operator". It is a label, not an identity:
 * everyone who holds the admin token is the same principal.
 */
final class OperatorName {

  static final String DEFAULT = "operator";
  private static final int MAX = 40;

  private OperatorName() {
  }

  static String clean(Object name) {
    if (!(name instanceof String s)) {
      return DEFAULT;
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length() && out.length() < MAX; i++) {
      char c = s.charAt(i);
      if (Character.isLetterOrDigit(c) || c == ' ' || c == '.' || c == '_' || c == '@' || c == '-') {
        out.append(c);
      }
    }
    String cleaned = out.toString().trim();
    return cleaned.isEmpty() ? DEFAULT : cleaned;
  }
}
