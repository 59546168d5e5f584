package io.switchboard.tts.local;

import io.switchboard.core.audio.PcmAudio;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** Wraps a real engine and records, in order, when each synthesis starts and how it ends. */
final class RecordingEngine implements TtsEngine {

  private final TtsEngine delegate;
  final List<String> events;

  RecordingEngine(TtsEngine delegate, List<String> events) {
    this.delegate = delegate;
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
  public String name() {
    return delegate.name();
  }

  @Override
  public Path binary() {
    return delegate.binary();
  }

  @Override
  public String installHint() {
    return delegate.installHint();
  }

  @Override
  public String defaultVoice() {
    return delegate.defaultVoice();
  }

  @Override
  public Map<String, String> defaultVoiceMap() {
    return delegate.defaultVoiceMap();
  }

  @Override
  public VoiceCatalog discoverVoices(long timeoutMs) {
    return delegate.discoverVoices(timeoutMs);
  }

  @Override
  public PcmAudio synthesize(String text, String voice, double speed, long timeoutMs, Cancellation cancellation) {
    events.add("start:" + text);
    try {
      PcmAudio audio = delegate.synthesize(text, voice, speed, timeoutMs, cancellation);
      events.add("end:" + text);
      return audio;
    } catch (RuntimeException e) {
      events.add("failed:" + text + ":" + e);
      throw e;
    }
  }
}
