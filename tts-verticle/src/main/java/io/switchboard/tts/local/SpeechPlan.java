package io.switchboard.tts.local;

import java.util.List;

/**
 * A checked speech request, ready to render: the sentences, the engine voice, the speed, the output format and
 * the rate to deliver at (null: the engine's own), and the characters to bill.
 */
record SpeechPlan(List<String> sentences, String voice, double speed, OutputFormat format, Integer rate, int characters) {

  SpeechPlan {
    sentences = List.copyOf(sentences);
  }
}
