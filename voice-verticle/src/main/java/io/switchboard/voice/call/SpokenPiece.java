package io.switchboard.voice.call;

import io.switchboard.api.MeshException;
import io.switchboard.voice.audio.OutputFormat;
import io.switchboard.voice.audio.Playout;
import io.switchboard.voice.audio.SpeechAudio;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;

/**
 * One piece of an answer on its way to the caller: its speech stream, and its audio, held while an earlier piece
 * plays and handed to the playout from the moment the piece {@link #play}s. Speech is taken as fast as the backend
 * makes it: a paused stream would hold one of the backend's connections (a speech API's plan allows few at once) for as
 * long as the audio takes to play. Only a piece with more than {@link #PAUSE_ABOVE_MS} of audio waiting (held, or
 * queued in the playout) pauses its stream, to bound a call's memory. On the call's context only.
 */
final class SpokenPiece {

  /** Audio waiting beyond this pauses the stream (a minute of μ-law is 480 kB; of 16 kHz PCM, 1.9 MB). */
  static final long PAUSE_ABOVE_MS = 30_000;
  private static final long RESUME_BELOW_MS = 20_000;

  private final Speaker speaker;
  private final String text;
  private final int index;
  private final ByteArrayOutputStream held = new ByteArrayOutputStream();
  private Playout.Segment segment;
  private PulledStream stream;
  private SpeechAudio audio;
  private boolean requested;
  private boolean arrived;
  private boolean cancelled;
  private boolean heardAny;
  private int attempt;
  private OutputFormat asked;

  SpokenPiece(Speaker speaker, String text, int index) {
    this.speaker = speaker;
    this.text = text;
    this.index = index;
  }

  String text() {
    return text;
  }

  int index() {
    return index;
  }

  Playout.Segment segment() {
    return segment;
  }

  boolean requested() {
    return requested;
  }

  boolean playing() {
    return segment != null;
  }

  /** All its audio has arrived (or it was given up): its segment can end. */
  boolean arrived() {
    return arrived;
  }

  boolean cancelled() {
    return cancelled;
  }

  /** The format its last request asked for. */
  OutputFormat asked() {
    return asked;
  }

  /** Asks for its speech. */
  void request() {
    requested = true;
    attempt++;
    int mine = attempt;
    CallScope scope = speaker.scope();
    OutputFormat source = scope.formats().current();
    asked = source;
    JsonObject body = speaker.body(text);
    speaker.requested();
    scope.ledger().requested("speech");
    scope.stages().speech(scope.stages().requestId(speaker.turn(), "speech"), body).onComplete(ar -> {
      if (cancelled || speaker.stopped() || mine != attempt) {
        if (ar.succeeded()) {
          Speaker.refuse(ar.result());
        }
        return;
      }
      if (ar.failed()) {
        scope.ledger().failed("speech", null);
        speaker.failed(this, null, MeshException.from(ar.cause()), false);
      } else {
        stream(ar.result(), source);
      }
    });
  }

  /** Asks again (another format, or another backend after a cut): audio not yet played is dropped. */
  void retry() {
    held.reset();
    audio = null;
    if (stream != null) {
      stream.cancel();
      stream = null;
    }
    if (playing() && heardAny) {
      // Part of it went out: what follows is a new segment, the piece again from its start.
      speaker.scope().playout().end();
      Playout.Segment again = speaker.scope().playout().begin(segment.name() + "r" + attempt);
      speaker.heard().replace(segment, again);
      segment = again;
    }
    request();
  }

  /** From now on its audio goes to the playout: first what it holds. */
  void play(Playout.Segment s) {
    segment = s;
    if (held.size() > 0) {
      speaker.scope().playout().audio(held.toByteArray());
      heardAny = true;
      held.reset();
    }
    if (stream != null) {
      stream.resume();
    }
  }

  /** Gives up on it (no backend can speak it): what went out stays, the segment ends. */
  void abandon() {
    arrived = true;
    cancel();
  }

  void cancel() {
    cancelled = true;
    if (stream != null) {
      stream.cancel();
    }
  }

  private void stream(Message<Object> first, OutputFormat source) {
    CallScope scope = speaker.scope();
    audio = new SpeechAudio(source, scope.playout().format());
    SpeechAudio mine = audio;
    PulledStream s = new PulledStream(first, scope.stages().timeoutMs(), body -> {
      if (body instanceof Buffer chunk && chunk.length() > 0) {
        speaker.firstAudio(index, stream == null ? null : stream.backend());
        take(mine.push(chunk.getBytes()));
      }
    });
    stream = s;
    String backend = s.backend();
    // Cancelled (barge-in, a retry) while its end was on its way: the router served it in full and bills it.
    s.onLateEnd(end -> scope.ledger().spoke(backend, scope.options().speechModel(), text, PulledStream.cacheHit(end)));
    s.start();
    s.done().onComplete(ar -> {
      if (cancelled || speaker.stopped() || stream != s) {
        return;
      }
      if (ar.succeeded()) {
        if (ar.result() instanceof JsonObject end && end.getValue("audio") != null) {
          take(mine.push(end.getBuffer("audio").getBytes()));
        }
        take(mine.flush());
        arrived = true;
        scope.ledger().spoke(backend, scope.options().speechModel(), text, PulledStream.cacheHit(ar.result()));
        speaker.advance();
      } else {
        scope.ledger().failed("speech", backend);
        speaker.failed(this, backend, MeshException.from(ar.cause()), s.delivered());
      }
    });
  }

  private void take(byte[] bytes) {
    if (bytes.length == 0) {
      return;
    }
    Playout playout = speaker.scope().playout();
    if (playing()) {
      playout.audio(bytes);
      heardAny = true;
      if (playout.queuedMs() > PAUSE_ABOVE_MS && stream != null) {
        PulledStream s = stream;
        s.pause();
        playout.onLowWater(RESUME_BELOW_MS, s::resume);
      }
    } else {
      held.writeBytes(bytes);
      if (playout.format().millis(held.size()) > PAUSE_ABOVE_MS && stream != null) {
        stream.pause(); // resumed when it plays
      }
    }
  }
}
