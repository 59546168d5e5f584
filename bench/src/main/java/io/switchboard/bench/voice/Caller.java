package io.switchboard.bench.voice;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One benchmark caller on {@code /v1/voice/twilio}, speaking Twilio's protocol: a 20 ms μ-law frame every 20 ms
 * (the recorded utterance, or the line's silence), and playing what comes back like Twilio (frames back to back in
 * real time, marks echoed when playback reaches them, everything pending echoed on {@code clear}). Turn by turn it
 * says the utterance, times the answer's first frame from the end of its speech (voice-to-voice), checks that the
 * answer's frames arrive no later than real time from its first one, and on barge-in turns speaks again a little into
 * the answer and times the {@code clear} from the onset of that speech. All on the benchmark's one event loop.
 *
 * <p>A sample of the utterance counts as spoken when the frame that carries it would have been full: the frame's send
 * time minus the part of the frame after the sample (Twilio sends a frame once it holds 20 ms).
 */
final class Caller {

  /** What every caller reports into (one event loop: no locking). */
  interface Results {
    void voiceToVoice(long micros);

    void bargeIn(long micros);

    void answer(long maxLatenessMicros, int frames);

    void error(String what);

    void done(Caller caller);
  }

  private enum Phase { PAUSE, SPEAK, WAIT, BARGE_WAIT }

  private final Vertx vertx;
  private final WebSocketClient client;
  private final int port;
  private final Utterance utterance;
  private final int turns;
  private final int bargeEvery;
  private final Results results;
  private final Random random;
  private final String streamSid;
  private WebSocket socket;
  private long timer = -1;
  private int sequence;
  private int chunk;
  private Phase phase = Phase.PAUSE;
  private long phaseUntil;
  private int frame;
  private int turn;
  private boolean bargeSpeech;
  private long onsetAtNanos = -1;
  private long speechEndNanos = -1;
  private long firstFrameNanos = -1;
  private int answerFrames;
  private long maxLateness;
  private long lastMediaNanos;
  private long playhead;
  private final Map<String, Long> pendingMarks = new LinkedHashMap<>();
  private final List<Long> markTimers = new ArrayList<>();
  private boolean finished;

  Caller(Vertx vertx, WebSocketClient client, int port, Utterance utterance, int turns, int bargeEvery, Results results, long seed) {
    this.vertx = vertx;
    this.client = client;
    this.port = port;
    this.utterance = utterance;
    this.turns = turns;
    this.bargeEvery = bargeEvery;
    this.results = results;
    this.random = new Random(seed);
    this.streamSid = "MZbench" + seed;
  }

  void start() {
    client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/v1/voice/twilio"))
      .onFailure(e -> {
        results.error("connect: " + e.getMessage());
        finish();
      })
      .onSuccess(ws -> {
        socket = ws;
        ws.textMessageHandler(this::received);
        ws.closeHandler(v -> {
          if (!finished) {
            results.error("closed by the node: " + ws.closeStatusCode() + " " + ws.closeReason());
            finish();
          }
        });
        send(new JsonObject().put("event", "connected").put("protocol", "Call").put("version", "1.0.0"));
        send(new JsonObject().put("event", "start").put("sequenceNumber", seq()).put("streamSid", streamSid)
          .put("start", new JsonObject().put("streamSid", streamSid).put("accountSid", "ACbench").put("callSid", "CA" + streamSid)
            .put("tracks", List.of("inbound")).put("customParameters", new JsonObject())
            .put("mediaFormat", new JsonObject().put("encoding", "audio/x-mulaw").put("sampleRate", 8000).put("channels", 1))));
        pause();
        timer = vertx.setPeriodic(20, t -> tick());
      });
  }

  private void pause() {
    phase = Phase.PAUSE;
    phaseUntil = System.nanoTime() + (300 + random.nextInt(400)) * 1_000_000L;
  }

  private void tick() {
    long now = System.nanoTime();
    byte[] payload;
    if (phase == Phase.SPEAK) {
      payload = utterance.frames()[frame];
      int first = frame * 160;
      if (bargeSpeech && onsetAtNanos < 0 && utterance.onsetSample() < first + 160) {
        onsetAtNanos = spokenAt(now, utterance.onsetSample() - first);
      }
      if (utterance.endSample() > first && utterance.endSample() <= first + 160) {
        speechEndNanos = spokenAt(now, utterance.endSample() - first);
      }
      if (++frame == utterance.frames().length) {
        phase = Phase.WAIT;
        phaseUntil = now + 15_000_000_000L;
        firstFrameNanos = -1;
        answerFrames = 0;
        maxLateness = Long.MIN_VALUE;
      }
    } else {
      payload = SILENCE;
      if (phase == Phase.PAUSE && now >= phaseUntil) {
        speak(false);
      } else if (phase == Phase.WAIT) {
        waiting(now);
      }
    }
    chunk++;
    send(new JsonObject().put("event", "media").put("sequenceNumber", seq()).put("streamSid", streamSid)
      .put("media", new JsonObject().put("track", "inbound").put("chunk", Integer.toString(chunk))
        .put("timestamp", Long.toString(chunk * 20L)).put("payload", Base64.getEncoder().encodeToString(payload))));
  }

  /** When sample {@code offset} of the frame being sent now was spoken (the frame filled 20 ms after its first sample). */
  private static long spokenAt(long sentNanos, int offset) {
    return sentNanos - (160 - offset) * 125_000L;
  }

  private void speak(boolean barge) {
    phase = Phase.SPEAK;
    frame = 0;
    bargeSpeech = barge;
    onsetAtNanos = -1;
    speechEndNanos = -1;
  }

  private void waiting(long now) {
    if (firstFrameNanos < 0) {
      if (now > phaseUntil) {
        results.error("no answer within 15 s (turn " + turn + ")");
        nextTurn();
      }
      return;
    }
    boolean barge = bargeEvery > 0 && turn % bargeEvery == bargeEvery - 1;
    if (barge && now - firstFrameNanos > 800_000_000L) {
      results.answer(maxLateness / 1000, answerFrames);
      turn++;
      speak(true); // the caller cuts in: this speech is the next turn's utterance
      return;
    }
    long played = playhead - now / 1_000_000;
    if (pendingMarks.isEmpty() && played < 0 && now - lastMediaNanos > 300_000_000L) {
      results.answer(maxLateness / 1000, answerFrames);
      nextTurn();
    }
  }

  private void nextTurn() {
    if (++turn >= turns) {
      finish();
    } else {
      pause();
    }
  }

  private void received(String text) {
    long now = System.nanoTime();
    JsonObject msg = new JsonObject(text);
    switch (msg.getString("event", "")) {
      case "media" -> {
        long nowMs = now / 1_000_000;
        playhead = Math.max(playhead, nowMs) + 20;
        lastMediaNanos = now;
        if (phase != Phase.WAIT) {
          return;
        }
        if (firstFrameNanos < 0) {
          firstFrameNanos = now;
          if (speechEndNanos > 0) {
            results.voiceToVoice((now - speechEndNanos) / 1000);
          }
        }
        maxLateness = Math.max(maxLateness, now - (firstFrameNanos + answerFrames * 20_000_000L));
        answerFrames++;
      }
      case "mark" -> {
        String name = msg.getJsonObject("mark").getString("name");
        long at = playhead;
        pendingMarks.put(name, at);
        markTimers.add(vertx.setTimer(Math.max(1, at - now / 1_000_000), t -> echo(name)));
      }
      case "clear" -> {
        if (onsetAtNanos > 0) {
          results.bargeIn((now - onsetAtNanos) / 1000);
        }
        playhead = now / 1_000_000;
        new ArrayList<>(pendingMarks.keySet()).forEach(this::echo);
      }
      default -> { }
    }
  }

  private void echo(String name) {
    if (pendingMarks.remove(name) != null && socket != null && !socket.isClosed()) {
      send(new JsonObject().put("event", "mark").put("sequenceNumber", seq()).put("streamSid", streamSid)
        .put("mark", new JsonObject().put("name", name)));
    }
  }

  private void finish() {
    if (finished) {
      return;
    }
    finished = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    markTimers.forEach(vertx::cancelTimer);
    if (socket != null && !socket.isClosed()) {
      send(new JsonObject().put("event", "stop").put("sequenceNumber", seq()).put("streamSid", streamSid)
        .put("stop", new JsonObject().put("accountSid", "ACbench").put("callSid", "CA" + streamSid)));
      socket.close();
    }
    results.done(this);
  }

  private void send(JsonObject json) {
    if (socket != null && !socket.isClosed()) {
      socket.writeTextMessage(json.encode());
    }
  }

  private String seq() {
    return Integer.toString(++sequence);
  }

  private static final byte[] SILENCE = silence();

  private static byte[] silence() {
    byte[] b = new byte[160];
    java.util.Arrays.fill(b, (byte) 0xFF);
    return b;
  }
}
