package io.switchboard.llm.jlama;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.switchboard.llm.jlama.BusChat.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model store: folders, listing, and pulling where no network (or no such model) is. */
class JlamaModelsTest {

  static Vertx vertx;
  static HttpServer hub;

  @BeforeAll
  static void fakeHub() throws Exception {
    vertx = Vertx.vertx();
    // Hugging Face's model API answers 401 for gated or unknown repos when no token is sent, 404 with one.
    hub = await(vertx.createHttpServer().requestHandler(req -> {
      int status = req.path().contains("gated") ? 401 : 404;
      req.response().setStatusCode(status).putHeader("content-type", "application/json").end("{\"error\":\"Repository Not Found\"}");
    }).listen(0, "127.0.0.1"));
  }

  @AfterAll
  static void close() throws Exception {
    await(vertx.close());
  }

  private static PrintStream sink(ByteArrayOutputStream bytes) {
    return new PrintStream(bytes, true, StandardCharsets.UTF_8);
  }

  @Test
  void pullWithoutANetworkSaysSoAndWhatToDoInstead(@TempDir Path models) throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    IOException e = assertThrows(IOException.class, () -> JlamaModels.pull("tjake/Llama-3.2-1B-Instruct-JQ4", models,
      sink(new ByteArrayOutputStream()), URI.create("http://127.0.0.1:" + closedPort), Duration.ofMillis(500), null));
    assertTrue(e.getMessage().startsWith("cannot reach 127.0.0.1 to pull tjake/Llama-3.2-1B-Instruct-JQ4"), e.getMessage());
    assertTrue(e.getMessage().contains("offline"), e.getMessage());
    assertTrue(e.getMessage().contains("tjake_Llama-3.2-1B-Instruct-JQ4 into " + models), e.getMessage());
    try (var files = Files.list(models)) {
      assertEquals(0, files.count(), "nothing half-written");
    }
  }

  @Test
  void pullFromTheRealHubFailsClearlyHere(@TempDir Path models) {
    // This machine has no route to Hugging Face; where one exists the made-up id is refused instead. Either way the
    // message says what happened, quickly (short connect timeout).
    IOException e = assertThrows(IOException.class, () -> JlamaModels.pull("switchboard-tests/no-such-model-7f3a", models,
      sink(new ByteArrayOutputStream()), JlamaModels.HUGGING_FACE, Duration.ofSeconds(2), null));
    String m = e.getMessage();
    assertTrue(m.startsWith("cannot reach huggingface.co") || m.contains("HTTP 401") || m.contains("HTTP 404"), m);
  }

  @Test
  void unknownAndGatedModelsAreToldApart(@TempDir Path models) {
    URI fake = URI.create("http://127.0.0.1:" + hub.actualPort());
    IOException missing = assertThrows(IOException.class,
      () -> JlamaModels.pull("nobody/missing", models, sink(new ByteArrayOutputStream()), fake, Duration.ofSeconds(2), null));
    assertTrue(missing.getMessage().contains("no model nobody/missing") && missing.getMessage().contains("HTTP 404"), missing.getMessage());
    IOException gated = assertThrows(IOException.class,
      () -> JlamaModels.pull("meta/gated", models, sink(new ByteArrayOutputStream()), fake, Duration.ofSeconds(2), null));
    assertTrue(gated.getMessage().contains("HF_TOKEN"), gated.getMessage());
  }

  @Test
  void aModelIdMustBeOwnerSlashName(@TempDir Path models) {
    for (String bad : new String[] {"justaname", "a/b/c", "/x", "", null}) {
      assertThrows(IllegalArgumentException.class, () -> JlamaModels.pull(bad, models, sink(new ByteArrayOutputStream())));
    }
  }

  @Test
  void listShowsInstalledModelsWithTheirSize(@TempDir Path models) throws Exception {
    TinyLlama.write(models.resolve("tiny"));
    Files.createDirectories(models.resolve("half-pulled"));
    Files.writeString(models.resolve("half-pulled/config.json"), "{}");
    Files.createDirectories(models.resolve("not-a-model"));
    Files.writeString(models.resolve("notes.txt"), "x");

    List<JlamaModels.Installed> list = JlamaModels.list(models);
    assertEquals(List.of("half-pulled", "tiny"), list.stream().map(JlamaModels.Installed::name).toList());
    JlamaModels.Installed tiny = list.get(1);
    long expected = 0;
    try (var files = Files.list(models.resolve("tiny"))) {
      for (Path f : files.toList()) {
        expected += Files.size(f);
      }
    }
    assertEquals(expected, tiny.bytes());
    assertTrue(tiny.complete());
    assertFalse(list.get(0).complete());
    assertTrue(list.get(0).describe().contains("incomplete"), list.get(0).describe());
    assertTrue(tiny.describe().matches("tiny\\s+\\d+\\.\\d (KB|MB)"), tiny.describe());
    assertEquals(List.of(), JlamaModels.list(models.resolve("nowhere")));
  }

  @Test
  void confNamesFindTheirFolder(@TempDir Path models) throws Exception {
    assertEquals(models.resolve("tiny"), JlamaModels.folderOf("tiny", models));
    assertEquals(models.resolve("tjake_Llama-3.2-1B-Instruct-JQ4"), JlamaModels.folderOf("tjake/Llama-3.2-1B-Instruct-JQ4", models));
    Files.createDirectories(models.resolve("org/model"));
    assertEquals(models.resolve("org/model"), JlamaModels.folderOf("org/model", models));
    assertEquals(Path.of("/srv/models"), JlamaModels.modelsDir(Map.of("SWITCHBOARD_MODELS_DIR", "/srv/models")));
    assertTrue(JlamaModels.modelsDir(Map.of()).endsWith(Path.of(".cache", "switchboard", "models")));
  }
}
