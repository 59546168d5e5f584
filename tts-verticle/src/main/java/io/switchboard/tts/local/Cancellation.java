package io.switchboard.tts.local;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;

import java.util.HashSet;
import java.util.Set;

/**
 * The stop switch of one speech request. The caller going away flips it from the event loop; the worker running
 * the engine sees it between sentences, and the processes attached to it (the engine, ffmpeg) are killed at once
 * so a long sentence does not keep a worker busy for nobody.
 */
final class Cancellation {

  private volatile boolean cancelled;
  private final Set<Process> running = new HashSet<>();

  boolean isCancelled() {
    return cancelled;
  }

  /** Stops the request: kills every attached process; later attachments are killed on arrival. */
  void cancel() {
    cancelled = true;
    synchronized (running) {
      running.forEach(Process::destroyForcibly);
    }
  }

  void attach(Process process) {
    synchronized (running) {
      running.add(process);
    }
    if (cancelled) {
      process.destroyForcibly();
    }
  }

  void detach(Process process) {
    synchronized (running) {
      running.remove(process);
    }
  }

  /** Throws the CANCELLED failure when the request was cancelled. */
  void check() {
    if (cancelled) {
      throw cancelledError();
    }
  }

  static MeshException cancelledError() {
    return new MeshException(ErrorCode.CANCELLED, "speech cancelled by the caller");
  }
}
