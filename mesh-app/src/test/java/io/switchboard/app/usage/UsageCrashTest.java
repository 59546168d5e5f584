package io.switchboard.app.usage;

import io.switchboard.app.MeshProcess;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Durable answers through a crash: a node in its own JVM serves a steady load (plain and streamed chat) and is killed
 * with SIGKILL in the middle of it; once restarted on the same usage folder, every request that had received its
 * whole answer before the kill has exactly one usage record (the journal is replayed into the store). With
 * {@code durability: machine} each answer waited for the journal's fsync; with {@code process} (the default) only for
 * the write, and the background fsync is an hour away, so the kill lands between the answers and their fsync.
 */
class UsageCrashTest {

  static final String ADMIN = "crash-admin-token";
  static final int CLIENTS = 8;

  @TempDir
  Path dir;
  private Vertx vertx;
  private final List<MeshProcess> nodes = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (MeshProcess n : nodes) {
      n.close();
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private Path conf(FakeOpenAiServer fake, String durability) throws Exception {
    JsonObject conf = new JsonObject()
      .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1").put("admin_token", ADMIN))
      .put("reload", new JsonObject().put("scan_period_ms", 0))
      .put("backend_defaults", new JsonObject().put("heartbeat_ms", 500))
      .put("backends", new JsonArray().add(new JsonObject().put("id", "fake").put("type", "openai-compatible")
        .put("base_url", fake.baseUrl()).put("api_key_env", "FAKE_KEY").put("capabilities", new JsonArray().add("chat"))
        .put("privacy", "private").put("priority", 10).put("models", new JsonArray().add("gpt-4o-mini"))
        .put("aliases", new JsonObject())))
      .put("usage", new JsonObject().put("data_dir", dir.resolve("usage").toString()).put("durability", durability)
        .put("sync_interval_ms", 3_600_000).put("idle_check_ms", 100));
    Path file = dir.resolve("node.yaml");
    Files.writeString(file, conf.encodePrettily());  // JSON is YAML
    return file;
  }

  private MeshProcess node(String name, Path conf) throws Exception {
    MeshProcess p = MeshProcess.start(name, List.of("--conf", conf.toString()), Map.of("FAKE_KEY", "sk-fake-crash"));
    nodes.add(p);
    return p;
  }

  /** True when the whole answer arrived: a completion, or a stream that ended with [DONE]. */
  private static boolean complete(HttpResponse<String> res, boolean stream) {
    if (res.statusCode() != 200) {
      return false;
    }
    if (stream) {
      return res.body().endsWith("data: [DONE]\n\n");
    }
    try {
      return new JsonObject(res.body()).containsKey("choices");
    } catch (RuntimeException e) {
      return false;
    }
  }

  @ParameterizedTest(name = "durability {0}")
  @ValueSource(strings = {"machine", "process"})
  void everyAnsweredRequestHasExactlyOneRecordAfterASigkill(String durability) throws Exception {
    vertx = Vertx.vertx();
    FakeOpenAiServer fake = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS);
    fake.setDefault(Behaviour.reply("one two three four").chunks(4).chunkDelayMs(5));
    Path conf = conf(fake, durability);
    MeshProcess first = node("usage-crash-1", conf);
    UsageApi api = new UsageApi(first.awaitHttpPort(180_000), ADMIN);

    Queue<String> answered = new ConcurrentLinkedQueue<>();
    AtomicBoolean running = new AtomicBoolean(true);
    CountDownLatch threeHundred = new CountDownLatch(300);
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      int client = c;
      Thread t = new Thread(() -> {
        for (int n = 0; running.get() && n < 100_000; n++) {
          String id = "crash-" + client + "-" + n;
          boolean stream = n % 3 == 0;
          try {
            HttpResponse<String> res = api.chat(UsageApi.chatBody("gpt-4o-mini", stream), "x-request-id", id);
            if (complete(res, stream)) {
              answered.add(id);
              threeHundred.countDown();
            }
          } catch (Exception e) {
            return; // the node is gone
          }
        }
      }, "crash-client-" + c);
      t.start();
      clients.add(t);
    }
    threeHundred.await(60, TimeUnit.SECONDS); // the kill lands once 300 requests were answered (or after a minute)
    first.kill();
    first.awaitExit(30_000); // dead before the second node opens the same data folder
    running.set(false);
    for (Thread t : clients) {
      t.join(30_000);
    }
    List<String> beforeKill = List.copyOf(answered);
    System.out.printf("crash: %d requests answered before the SIGKILL%n", beforeKill.size());
    assertTrue(beforeKill.size() >= 100, "the load ran: " + beforeKill.size());

    MeshProcess second = node("usage-crash-2", conf);
    UsageApi after = new UsageApi(second.awaitHttpPort(180_000), ADMIN);
    Map<String, List<Map<String, String>>> records = after.awaitRecords(beforeKill, 60_000);
    for (String id : beforeKill) {
      assertEquals(1, records.get(id).size(), id + ": " + records.get(id));
      assertEquals("200", records.get(id).get(0).get("status"), id);
    }
  }
}
