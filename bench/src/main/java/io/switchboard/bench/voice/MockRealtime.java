package io.switchboard.bench.voice;

import io.switchboard.bench.BenchKit;
import io.switchboard.bench.audio.Args;
import io.switchboard.core.audio.G711;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.Base64;

/**
 * OpenAI's Realtime API (GA) for the realtime-mode voice benchmark, on 127.0.0.1: {@code /v1/realtime?model=...},
 * {@code session.created}, {@code session.updated}, and a server VAD on the appended μ-law ({@code audio/pcmu}): a 20 ms
 * frame is speech when its level is above -50 dBFS (the benchmark caller's own definition of speech), and speech ends
 * after {@code --silence-ms} of frames below it. The answer's first audio delta leaves {@code --first-ms} after that
 * ({@code speech_stopped}, then the delay), then 100 ms deltas at ten times real time, {@code --answer-ms} in all, and
 * {@code response.done}. Speech during an answer cancels it ({@code interrupt_response}).
 *
 * <p>Usage: {@code MockRealtime --port 19091 [--silence-ms 300] [--first-ms 200] [--answer-ms 1500]}
 */
public final class MockRealtime {

  private MockRealtime() {
  }

  public static void main(String[] args) {
    JsonObject o = Args.options(args, new JsonObject().put("port", 19091).put("silence-ms", 300).put("first-ms", 200)
      .put("answer-ms", 1500));
    Timing timing = new Timing(o.getInteger("silence-ms"), o.getLong("first-ms"), o.getInteger("answer-ms"));
    Vertx vertx = BenchKit.oneLoop();
    vertx.createHttpServer(BenchKit.loopback(o.getInteger("port")).setMaxWebSocketFrameSize(1 << 20).setMaxWebSocketMessageSize(16 << 20))
      .requestHandler(req -> {
        if (req.path().startsWith("/v1/models/")) { // the backend's health probe
          String model = req.path().substring("/v1/models/".length());
          req.response().putHeader("content-type", "application/json").end("{\"id\":\"" + model + "\",\"object\":\"model\",\"created\":0,\"owned_by\":\"system\"}");
          return;
        }
        if (!req.path().equals("/v1/realtime")) {
          req.response().setStatusCode(404).end();
          return;
        }
        req.toWebSocket().onSuccess(ws -> new Session(vertx, ws, timing));
      })
      .listen().await();
    System.out.println("mock realtime on 127.0.0.1, options " + o.encode());
  }

  /** Speech ends after {@code silenceMs} of quiet frames; the answer's first audio {@code firstMs} later, {@code answerMs} long. */
  private record Timing(int silenceMs, long firstMs, int answerMs) {
  }

  /** One socket. On the server's event loop. */
  private static final class Session {
    private final Vertx vertx;
    private final ServerWebSocket ws;
    private final Timing timing;
    private boolean speaking;
    private int quietMs;
    private int responses;
    private long responseTimer = -1;
    private int events;

    Session(Vertx vertx, ServerWebSocket ws, Timing timing) {
      this.vertx = vertx;
      this.ws = ws;
      this.timing = timing;
      ws.textMessageHandler(this::onText);
      send(new JsonObject().put("type", "session.created").put("session", new JsonObject().put("type", "realtime")));
    }

    private void onText(String text) {
      JsonObject e = new JsonObject(text);
      switch (e.getString("type", "")) {
        case "session.update" -> send(new JsonObject().put("type", "session.updated").put("session", e.getJsonObject("session")));
        case "input_audio_buffer.append" -> append(Base64.getDecoder().decode(e.getString("audio")));
        case "conversation.item.truncate" -> send(new JsonObject().put("type", "conversation.item.truncated")
          .put("item_id", e.getString("item_id")).put("content_index", 0).put("audio_end_ms", e.getValue("audio_end_ms")));
        default -> { }
      }
    }

    private void append(byte[] mulaw) {
      for (int at = 0; at + 160 <= mulaw.length; at += 160) {
        double sum = 0;
        for (int i = 0; i < 160; i++) {
          float s = G711.decodeMulaw(mulaw[at + i]);
          sum += s * s;
        }
        if (Math.sqrt(sum / 160) > 0.00316) {
          quietMs = 0;
          if (!speaking) {
            speaking = true;
            send(new JsonObject().put("type", "input_audio_buffer.speech_started").put("audio_start_ms", 0).put("item_id", "u"));
            if (responseTimer >= 0) {
              vertx.cancelTimer(responseTimer);
              responseTimer = -1;
              send(new JsonObject().put("type", "response.done").put("response", new JsonObject().put("id", "r" + responses)
                .put("status", "cancelled")));
            }
          }
        } else if (speaking && (quietMs += 20) >= timing.silenceMs()) {
          speaking = false;
          send(new JsonObject().put("type", "input_audio_buffer.speech_stopped").put("audio_end_ms", 0).put("item_id", "u"));
          String item = "a" + (++responses);
          responseTimer = vertx.setTimer(timing.firstMs(), t -> delta(item, 0));
        }
      }
    }

    private void delta(String item, int sent) {
      if (sent >= timing.answerMs()) {
        responseTimer = -1;
        send(new JsonObject().put("type", "response.output_audio.done").put("item_id", item));
        send(new JsonObject().put("type", "response.done").put("response", new JsonObject().put("id", "r" + responses)
          .put("status", "completed").put("usage", new JsonObject().put("input_tokens", 50).put("output_tokens", 100))));
        return;
      }
      byte[] audio = new byte[800];
      Arrays.fill(audio, G711.encodeMulaw(0.2f));
      for (int i = 0; i < audio.length; i += 2) {
        audio[i] = G711.encodeMulaw(-0.2f);
      }
      send(new JsonObject().put("type", "response.output_audio.delta").put("item_id", item).put("response_id", "r" + responses)
        .put("output_index", 0).put("content_index", 0).put("delta", Base64.getEncoder().encodeToString(audio)));
      responseTimer = vertx.setTimer(10, t -> delta(item, sent + 100));
    }

    private void send(JsonObject e) {
      if (!ws.isClosed()) {
        ws.writeTextMessage(e.put("event_id", "ev" + (++events)).encode());
      }
    }
  }
}
