package io.switchboard.voice.call;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.UsageRecord;
import io.switchboard.voice.VoiceSettings;
import io.switchboard.voice.audio.AudioTape;
import io.switchboard.voice.audio.Playout;
import io.switchboard.voice.audio.SoundEnd;
import io.switchboard.voice.audio.StreamResampler;
import io.switchboard.voice.transport.CallTransport;
import io.switchboard.voice.vad.Endpointer;
import io.switchboard.voice.vad.SileroModel;
import io.switchboard.voice.vad.VadPool;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

/**
 * One call, from its start to its end, on the context of its socket: the caller's audio to the VAD and the tape,
 * turn-taking ({@link Endpointer}, ended by the clock with {@link EndClock}), one {@link Turn} per utterance, barge-in,
 * the call's limits (length, silence) and its end (the ledger record, the socket closed, the metrics). The transport
 * parses the wire protocol and calls in here; everything here runs on that one context, so nothing is shared between
 * threads but the VAD's results, which come back on it.
 *
 * <p>A turn may begin before its utterance is known to be over: on the speculative transcript (preemptive generation,
 * {@code voice.preemptive}), or when the clock says the silence is complete and the frame that confirms it is still
 * on its way. Such a turn is held ({@code next}): it works, but nothing of it plays or enters the history until the
 * endpoint commits it; when the caller goes on, it is discarded.
 */
public final class CallSession implements Endpointer.Listener, Call {

  private static final System.Logger LOG = System.getLogger(CallSession.class.getName());
  /** Audio after the end of speech kept in the utterance (the VAD marks the end a little early). */
  private static final int TAIL_SAMPLES = 16_000 * 150 / 1000;

  private final CallServices services;
  private final VoiceSettings settings;
  private final Context context;
  private final String callId;
  private final CallTransport transport;
  private final CallOptions options;
  private final CallScope scope;
  private final Conversation conversation;
  private final Transcriber transcriber;
  private final Endpointer endpointer;
  private final AudioTape tape;
  private final ArrivalClock arrivals = new ArrivalClock();
  private final StreamResampler toVadRate;
  private final SoundEnd soundEnd;
  private final VadPool.Stream vad;
  private final Promise<UsageRecord> ended = Promise.promise();
  private final BargeIn bargeIn;
  private final CallStatus status;
  private Turn turn;
  /** The turn prepared for an utterance not yet confirmed over, held until it is; or null. */
  private Held next;
  private final EndClock clock;
  private int turns;
  private Speculation speculation;
  private long lastActivity = TurnMetrics.now();
  private long maxTimer = -1;
  private long silenceTimer = -1;
  private boolean ending;

  private record Speculation(long start, long end, long sent, Future<Transcriber.Transcript> transcript) {
  }

  /** A held turn and the utterance {@code [start, end)} it answers. */
  private record Held(Turn turn, long start, long end) {
  }

  public CallSession(CallServices services, Context context, String callId, String keyId, CallTransport transport, CallOptions options) {
    this.services = services;
    this.settings = services.settings();
    this.context = context;
    this.callId = callId;
    this.transport = transport;
    this.options = options;
    Playout playout = new Playout(services.vertx(), transport.outputFormat(), settings.leadMs(), transport, TurnMetrics::now);
    if (transport.echoesMarks()) {
      playout.trustMarks();
    }
    this.scope = new CallScope(services.vertx(), callId, options, new StageClient(services.vertx(), callId, keyId, settings.stageTimeoutMs()),
      playout, transport, services.view(), new CallLedger(callId, transport.kind(), keyId), services.apology(), services.metrics(),
      new SpeechFormats(transport.outputFormat(),
        f -> services.view().noneProduces(options.speechModel(), options.privacy(), f.responseFormat(), f.sampleRate())));
    this.conversation = new Conversation(options.systemPrompt(), options.historyTurns());
    this.transcriber = new Transcriber(scope);
    this.endpointer = new Endpointer(settings.endpointing(), this);
    int preRoll = SileroModel.SAMPLE_RATE * settings.preRollMs() / 1000;
    this.tape = new AudioTape(preRoll + 2 * SileroModel.SAMPLE_RATE,
      (int) (SileroModel.SAMPLE_RATE * (settings.endpointing().maxUtteranceMs() / 1000 + 3)) + preRoll);
    this.toVadRate = new StreamResampler(transport.inputRate(), SileroModel.SAMPLE_RATE);
    this.soundEnd = new SoundEnd(settings.quietDbfs());
    this.clock = new EndClock(services.vertx(), endpointer, soundEnd::end);
    this.vad = services.vad().open(context, (p, end) -> {
      endpointer.window(p, end, soundEnd.end());
      clock.update(tape.end(), arrivals.latest());
    });
    this.bargeIn = new BargeIn(settings, playout);
    this.status = new CallStatus(callId, transport.kind());
  }

  public String callId() {
    return callId;
  }

  /** This call started in pipeline mode because {@code mode} could not start; its record says so. */
  public CallSession fellBackFrom(String mode) {
    scope.ledger().fellBackFrom(mode);
    return this;
  }

  /** What the admin page shows of this call; readable from any thread. */
  public CallStatus status() {
    return status;
  }

  /** Completes with the call's usage record once the call has ended and the record was sent. */
  public Future<UsageRecord> ended() {
    return ended.future();
  }

  /** Starts the call: its limits, and the greeting when there is one. */
  public void start() {
    maxTimer = services.vertx().setTimer(settings.maxCallMs(), t -> end("maximum call length reached", (short) 1000, null));
    silenceTimer = services.vertx().setPeriodic(1000, t -> checkSilence());
    scope.playout().onFirstFrame(scope.ledger()::firstFrame);
    services.view().backends(); // warm: the call's record prices its stages with it, a cut stream looks for a backend in it
    keepApology();
    transport.event(new JsonObject().put("type", "session.started").put("call_id", callId)
      .put("sample_rate", transport.inputRate()).put("output_sample_rate", transport.outputFormat().sampleRate()));
    if (options.greeting() != null && !options.greeting().isBlank()) {
      turn = new Turn(scope, 0);
      turn.say(options.greeting());
    }
  }

  /** Caller audio at the transport's input rate. */
  public void audio(float[] samples) {
    if (ending) {
      return;
    }
    scope.ledger().audioIn(samples.length / (double) transport.inputRate());
    float[] at16k = toVadRate.push(samples);
    tape.append(at16k);
    soundEnd.push(at16k);
    arrivals.arrived(tape.end(), TurnMetrics.now());
    vad.push(at16k);
    endpointer.audio(tape.end(), soundEnd.end());
    clock.update(tape.end(), arrivals.latest());
  }

  /** The client echoed mark {@code name}: the audio before it has played. */
  public void marked(String name) {
    if (!scope.playout().confirmed(name)) {
      LOG.log(System.Logger.Level.DEBUG, "call {0}: mark {1} was not pending (cleared or unknown)", callId, name);
    }
  }

  /** The client's mark echoes can be trusted from now on (a plain client that echoes them). */
  public void marksEchoed() {
    scope.playout().trustMarks();
  }

  @Override
  public void speechStarted(long start) {
    lastActivity = TurnMetrics.now();
    tape.hold(start - SileroModel.SAMPLE_RATE * settings.preRollMs() / 1000);
    transport.event(new JsonObject().put("type", "speech.started"));
    interruptIfSpeaking();
  }

  @Override
  public void speaking(long start, long at) {
    lastActivity = TurnMetrics.now();
    interruptIfSpeaking();
  }

  @Override
  public void speculate(long start, long end) {
    if (settings.endpointing().speculativeMs() <= 0) {
      return;
    }
    float[] audio = utterance(start, end);
    Speculation s = new Speculation(start, end, TurnMetrics.now(), transcriber.transcribe(turns + 1, audio));
    speculation = s;
    if (options.preemptiveChat()) {
      s.transcript.onSuccess(tr -> {
        if (speculation == s && next == null && !ending && agentQuiet()) {
          // preemptive generation: the chat starts on the speculative transcript, nothing plays
          next = new Held(begin(start, end, options.preemptiveSpeech()), start, end);
        }
      });
    }
  }

  @Override
  public void speculationCancelled() {
    speculation = null; // its result, if it comes, is not used
    discardNext();
  }

  @Override
  public void speechDropped(long start) {
    tape.release();
    transport.event(new JsonObject().put("type", "speech.stopped").put("dropped", true));
  }

  @Override
  public void utteranceEnding(long start, long end) {
    if (!prepared(start, end)) {
      discardNext();
      next = new Held(begin(start, end, true), start, end);
    }
    next.turn.allowSpeech();
    next.turn.metrics.endpoint = TurnMetrics.now();
  }

  @Override
  public void utteranceEnded(long start, long end) {
    lastActivity = TurnMetrics.now();
    clock.cancel();
    transport.event(new JsonObject().put("type", "speech.stopped"));
    if (!prepared(start, end)) {
      discardNext();
      next = new Held(begin(start, end, false), start, end);
    }
    Turn t = next.turn;
    next = null;
    if (t.metrics.endpoint < 0) {
      t.metrics.endpoint = TurnMetrics.now();
    }
    turns++;
    turn = t;
    status.turns(turns);
    tape.release();
    scope.playout().onFirstFrame(() -> firstFrame(t));
    t.commit();
    if (t.text() != null) {
      heard(t);
    } else {
      status.stage("transcribing");
    }
  }

  /**
   * A held turn for the utterance {@code [start, end)}: its transcript (the speculative one when it covers the same
   * audio), then its answer, which plays nothing until {@link Turn#commit}; with {@code speech}, the answer's speech
   * may be asked for meanwhile. The previous turn goes into the history first (it has ended, or is interrupted now).
   */
  private Turn begin(long start, long end, boolean speech) {
    if (turn != null && turn.producing()) {
      interrupt(); // barge-in was off or held back by the echo guard, but the caller said a whole utterance over it
    }
    remember(turn);
    Turn t = new Turn(scope, turns + 1);
    t.hold(speech);
    t.metrics.speechEnd = arrivals.at(end);
    Future<Transcriber.Transcript> transcript;
    Speculation s = speculation;
    speculation = null;
    if (s != null && s.start == start && s.end == end) {
      t.metrics.transcribeSent = s.sent; // started early: only what is left after the endpoint counts
      transcript = s.transcript;
    } else {
      t.metrics.transcribeSent = TurnMetrics.now();
      transcript = transcriber.transcribe(t.number, utterance(start, end));
    }
    transcript.onComplete(ar -> {
      if (t.cancelled() || ending) {
        return;
      }
      if (ar.failed()) {
        LOG.log(System.Logger.Level.WARNING, "call {0} turn {1}: transcription failed: {2}", callId, t.number, ar.cause().getMessage());
        t.apologize("transcription: " + ar.cause().getMessage(), MeshException.from(ar.cause()).errorCode());
        return;
      }
      t.metrics.transcript = TurnMetrics.now();
      t.metrics.transcribeBackend = ar.result().backend();
      t.text(ar.result().text());
      if (t.text().isEmpty()) {
        t.silent();
      } else {
        t.respond(conversation.messagesWith(t.text()));
      }
      if (!t.held()) {
        heard(t);
      }
    });
    return t;
  }

  /** The committed turn's transcript is known: it goes to the client and into the history. */
  private void heard(Turn t) {
    transport.event(new JsonObject().put("type", "transcript").put("turn", t.number).put("text", t.text()));
    if (t.text().isEmpty()) {
      status.stage("listening");
      return;
    }
    status.stage("thinking");
    conversation.user(t.text());
    scope.ledger().turn();
    t.spoken().onComplete(v -> audioDone(t));
  }

  private boolean prepared(long start, long end) {
    return next != null && next.start == start && next.end == end;
  }

  /** The caller went on: the answer prepared for the utterance so far is cancelled unheard. */
  private void discardNext() {
    if (next != null) {
      LOG.log(System.Logger.Level.DEBUG, "call {0}: the answer prepared for turn {1} is discarded: the caller went on", callId, next.turn.number);
      next.turn.discard();
      next = null;
    }
  }

  /** Nothing of the agent's is being produced or played: an answer prepared now cannot miss any of it in its history. */
  private boolean agentQuiet() {
    return (turn == null || !turn.producing()) && !scope.playout().busy();
  }

  /** Barge-in: the caller speaks while the agent does (past the echo guard): stop, clear, keep what was heard. */
  private void interruptIfSpeaking() {
    if (turn != null && bargeIn.shouldInterrupt(turn.producing(), TurnMetrics.now())) {
      interrupt();
    }
  }

  private void interrupt() {
    Turn t = turn;
    String heard = t.heard(); // before the clear: the clock stops counting for it there
    t.cancel();
    scope.playout().clear();
    status.stage("listening");
    conversation.assistant(heard);
    t.markRemembered();
    scope.ledger().bargeIn();
    services.metrics().bargeIn();
    LOG.log(System.Logger.Level.DEBUG, "call {0}: barge-in during turn {1}; heard: {2}", callId, t.number, heard);
  }

  /** A finished turn goes into the history as far as the caller heard it (once). */
  private void remember(Turn t) {
    if (t != null && !t.remembered()) {
      conversation.assistant(t.heard());
      t.markRemembered();
    }
  }

  private void firstFrame(Turn t) {
    scope.ledger().firstFrame();
    t.metrics.firstFrame = TurnMetrics.now();
    JsonObject report = t.metrics.report(services.metrics());
    status.stage("speaking");
    if (report != null) {
      status.turnReported(report);
      LOG.log(System.Logger.Level.DEBUG, "call {0}: {1}", callId, report.encode());
      transport.event(report);
    }
  }

  private void audioDone(Turn t) {
    if (t.cancelled()) {
      return;
    }
    scope.playout().onLowWater(1, () -> {
      if (!t.cancelled()) {
        status.stage("listening");
        JsonObject done = new JsonObject().put("type", "response.audio.done").put("turn", t.number);
        JsonObject usage = t.chatUsage();
        if (usage != null) {
          done.put("usage", usage);
        }
        transport.event(done);
      }
    });
  }

  private float[] utterance(long start, long end) {
    return tape.slice(start - SileroModel.SAMPLE_RATE * settings.preRollMs() / 1000, end + TAIL_SAMPLES);
  }

  /** Speaks the conf's apology through the speech stage once per node and format, to have it when speech is down. */
  private void keepApology() {
    var format = transport.outputFormat();
    if (services.apology().has(format, options.voice(), options.apology())) {
      return;
    }
    ApologyRecorder.record(scope).onSuccess(audio -> services.apology().keep(format, options.voice(), options.apology(), audio));
  }

  private void checkSilence() {
    boolean quiet = !endpointer.speaking() && !scope.playout().busy() && (turn == null || !turn.producing());
    if (!quiet) {
      lastActivity = TurnMetrics.now();
    } else if (TurnMetrics.now() - lastActivity > settings.silenceTimeoutMs()) {
      end("silence timeout", (short) 1000, null);
    }
  }

  /**
   * Ends the call (once): the stages in flight are cancelled, the socket closed with {@code status} and
   * {@code reason} (unless the client closed it), and the call's usage record sent to the ledger.
   */
  public void end(String reason, short status, ErrorCode error) {
    if (!context.equals(io.vertx.core.Vertx.currentContext())) {
      context.runOnContext(v -> end(reason, status, error));
      return;
    }
    if (ending) {
      return; // the socket's close after our own close, or a second reason: the first one stands
    }
    ending = true;
    this.status.stage("ending");
    services.vertx().cancelTimer(maxTimer);
    services.vertx().cancelTimer(silenceTimer);
    vad.close();
    clock.cancel();
    discardNext();
    if (turn != null) {
      remember(turn);
      turn.cancel();
    }
    scope.playout().close();
    transport.event(new JsonObject().put("type", "session.ended").put("reason", reason));
    transport.close(status, reason);
    LOG.log(System.Logger.Level.INFO, "call {0} ({1}) ended: {2}; {3}", callId, transport.kind(), reason, scope.ledger().summary().encode());
    services.metrics().callEnded(transport.kind(), error == null ? "ok" : error.openAiCode());
    double audioOut = scope.playout().sentMs() / 1000.0;
    services.view().backends().onComplete(v -> {
      UsageRecord record = scope.ledger().record(services.view(), options.chatModel(), options.privacy(), audioOut, reason, error);
      CallLedger.send(services.vertx(), record, 2000).onComplete(x -> ended.complete(record));
    });
  }
}
