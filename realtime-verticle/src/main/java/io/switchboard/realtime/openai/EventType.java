package io.switchboard.realtime.openai;

/**
 * The {@code type} of a Realtime event from its JSON text without parsing the whole of it (an audio delta carries
 * kilobytes of base64): the value of the first {@code "type"} key, which in every Realtime event is the event's own.
 */
final class EventType {

  private EventType() {
  }

  static String of(String json) {
    int k = json.indexOf("\"type\"");
    if (k < 0) {
      return "";
    }
    int colon = json.indexOf(':', k + 6);
    int open = colon < 0 ? -1 : json.indexOf('"', colon + 1);
    int close = open < 0 ? -1 : json.indexOf('"', open + 1);
    return close < 0 ? "" : json.substring(open + 1, close);
  }
}
