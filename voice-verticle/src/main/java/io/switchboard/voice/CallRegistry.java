package io.switchboard.voice;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.voice.call.Call;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The calls open on this node: a slot is taken before a WebSocket upgrade is accepted (so a full or draining node
 * refuses with 503 before the upgrade) and given back when the socket closes. Drain stops new slots and waits for the
 * open ones to end on their own, then ends the rest. Used from the sockets' contexts and the node's stop: synchronized.
 */
public final class CallRegistry {

  private static final System.Logger LOG = System.getLogger(CallRegistry.class.getName());

  /** One socket's place on the node, and the call on it once opened. */
  public final class Slot {
    private Call session;
    private Runnable closer;
    private boolean released;

    /** How to close the socket when no call was opened on it yet (drain). */
    public void closer(Runnable r) {
      this.closer = r;
    }

    public void attach(Call s) {
      synchronized (CallRegistry.this) {
        session = s;
      }
    }

    public void release() {
      synchronized (CallRegistry.this) {
        if (released) {
          return;
        }
        released = true;
        slots.remove(this);
        if (slots.isEmpty() && idle != null) {
          idle.tryComplete();
        }
      }
    }

    void close(String reason) {
      Call s;
      synchronized (CallRegistry.this) {
        s = session;
      }
      if (s != null) {
        s.end(reason, (short) 1001, null);
      } else if (closer != null) {
        closer.run();
      }
    }
  }

  private final int maxCalls;
  private final Set<Slot> slots = new LinkedHashSet<>();
  private boolean draining;
  private Promise<Void> idle;

  public CallRegistry(int maxCalls) {
    this.maxCalls = maxCalls;
  }

  /** A slot, or null when the node is full or draining. */
  public synchronized Slot reserve() {
    if (draining || slots.size() >= maxCalls) {
      return null;
    }
    Slot s = new Slot();
    slots.add(s);
    return s;
  }

  /**
   * Why {@link #reserve} gave no slot, for the caller: 503 with a Retry-After of 1 s while the node drains (another
   * node takes the call at once) and 5 s while it is full.
   */
  public synchronized MeshException refusal() {
    return draining ? new MeshException(ErrorCode.UNAVAILABLE, "this node is shutting down and takes no new calls", null, 1000)
      : new MeshException(ErrorCode.UNAVAILABLE, "this node has its maximum of " + maxCalls + " calls open", null, 5000);
  }

  public synchronized int active() {
    return slots.size();
  }

  public synchronized boolean draining() {
    return draining;
  }

  /** What the admin page shows of each open call (a socket still opening its call is left out). */
  public synchronized List<JsonObject> calls() {
    List<JsonObject> calls = new ArrayList<>();
    for (Slot s : slots) {
      if (s.session != null) {
        calls.add(s.session.status().toJson());
      }
    }
    return calls;
  }

  public synchronized boolean full() {
    return slots.size() >= maxCalls;
  }

  /**
   * Takes no new calls and completes once every open call has ended, or {@code timeoutMs} has passed: then the calls
   * still open are ended ("server shutting down", status 1001) and their records sent, within five seconds more.
   */
  public Future<Void> drain(Vertx vertx, long timeoutMs) {
    Promise<Void> done;
    synchronized (this) {
      draining = true;
      if (idle == null) {
        idle = Promise.promise();
      }
      done = idle;
      if (slots.isEmpty()) {
        idle.tryComplete();
        return done.future();
      }
      LOG.log(System.Logger.Level.INFO, "voice: draining; {0} call(s) open get up to {1} ms", slots.size(), timeoutMs);
    }
    long timer = vertx.setTimer(Math.max(1, timeoutMs), t -> {
      Set<Slot> open;
      synchronized (this) {
        open = Set.copyOf(slots);
      }
      if (!open.isEmpty()) {
        LOG.log(System.Logger.Level.WARNING, "voice: drain timeout; ending {0} call(s) still open", open.size());
        open.forEach(s -> s.close("server shutting down"));
        vertx.setTimer(5000, t2 -> done.tryComplete());
      }
    });
    return done.future().onComplete(v -> vertx.cancelTimer(timer));
  }
}
