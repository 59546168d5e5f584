package io.switchboard.app.voice;

import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node with Prometheus metrics on, as {@code ./mesh run} starts it: a call's turn shows in the per-stage histograms
 * (with the backend that served), the active-calls gauge the voice HPA scales on counts the call while it is open, and
 * the VAD threads' CPU time is there.
 */
class CallMetricsTest extends CallFixture {

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  CallMetricsTest() {
    super(CallRig.withMetrics());
  }

  @Test
  void turnStagesCallsAndVadCpuAreInPrometheus() throws Exception {
    FakeOpenAiServer chat = chatUpstream();
    chat.setDefault(Behaviour.reply("Sure thing."));
    VoiceNode node = cascade(chat, new JsonObject());
    StreamCaller caller = StreamCaller.connect(client, node.port, 16_000, new JsonObject()).await(10, TimeUnit.SECONDS);
    Thread.sleep(300);
    caller.say(Speech.at16k(Speech.FIRST));
    Await.until("the turn's metrics", () -> !caller.events("turn.metrics").isEmpty());

    String metrics = scrape(node.port);
    for (String series : List.of(
      "switchboard_voice_turn_seconds_bucket{backend=\"local-whisper\",stage=\"transcription\"",
      "switchboard_voice_turn_seconds_bucket{backend=\"primary\",stage=\"chat_first_token\"",
      "switchboard_voice_turn_seconds_bucket{backend=\"local-tts\",stage=\"speech_first_audio\"",
      "switchboard_voice_turn_seconds_count{backend=\"-\",stage=\"voice_to_voice\"} 1",
      "switchboard_voice_turn_seconds_count{backend=\"-\",stage=\"endpoint\"} 1",
      "switchboard_voice_turn_seconds_count{backend=\"-\",stage=\"first_frame\"} 1",
      "switchboard_voice_calls_active 1.0",
      "switchboard_voice_vad_cpu_seconds_total")) {
      assertTrue(metrics.contains(series), "missing " + series + " in:\n" + grep(metrics));
    }
    caller.stop();
    caller.closed().await(10, TimeUnit.SECONDS);
    Await.until("the gauge back to 0", () -> scrapeQuietly(node.port).contains("switchboard_voice_calls_active 0.0"));
    assertTrue(scrape(node.port).contains("switchboard_voice_calls_total{outcome=\"ok\",transport=\"stream\"} 1.0"), grep(scrape(node.port)));
  }

  private static String grep(String metrics) {
    return String.join("\n", metrics.lines().filter(l -> l.contains("voice")).toList());
  }

  private static String scrapeQuietly(int port) {
    try {
      return scrape(port);
    } catch (Exception e) {
      return "";
    }
  }

  private static String scrape(int port) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10))
      .build(), HttpResponse.BodyHandlers.ofString()).body();
  }
}
