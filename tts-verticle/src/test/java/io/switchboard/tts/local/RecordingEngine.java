package io.switchboard.tts.local;

import io.switchboard.core.audio.PcmAudio;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Wraps a real engine and records, in order, when each synthesis starts and how it ends. */
final class RecordingEngine extends ForwardingEngine {

  final List<String> events;

  RecordingEngine(TtsEngine delegate, List<String> events) {
    super(delegate);
    this.events = events;
  }

  RecordingEngine(TtsEngine delegate) {
    this(delegate, Collections.synchronizedList(new ArrayList<>()));
  }

  long count(String prefix) {
    synchronized (events) {
      return events.stream().filter(e -> e.startsWith(prefix)).count();
    }
  }

  @Override
  public PcmAudio synthesize(String text, String voice, double speed, long timeoutMs, Cancellation cancellation) {
    events.add("start:" + text);
    try {
      PcmAudio audio = super.synthesize(text, voice, speed, timeoutMs, cancellation);
      events.add("end:" + text);
      return audio;
    } catch (RuntimeException e) {
      events.add("failed:" + text + ":" + e);
      throw e;
    }
  }
}
