package io.switchboard.llm.cli;

import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.Drain;
import io.switchboard.core.testkit.OnContext;
/*
 * The "API" of a command line tool is POSIX process semantics; the behaviours covered, with real Debian commands
 * (cat, env, echo, yes, sleep) and small #!/bin/sh scripts that are themselves the configured command:
 * - the prompt reaches stdin byte for byte, shell metacharacters and all, and no shell runs it ($(...), backticks,
 *   quotes, ;, |, >, newlines, non-ASCII);
 * - argv is the conf list with {model} filled in (aliases resolved), never parsed by a shell; unknown models refused;
 * - the child's environment is exactly the allow-list;
 * - stdout is the answer, forwarded as it is read when streaming; a byte cap cuts it with finish_reason length;
 * - exit status non-zero becomes an upstream failure naming the last stderr line, truncated;
 * - the timeout and a cancel kill the whole process tree (a background grandchild included);
 * - an executable missing from PATH makes the backend unavailable at start.
 */

import io.switchboard.api.ChatRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendUnavailableException;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;

import static io.switchboard.core.testkit.Await.await;
import static io.switchboard.core.testkit.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CliBackendTest {

  /** A file that exists only if something in the prompt was run by a shell. */
  static final Path CANARY = Path.of(System.getProperty("java.io.tmpdir"), "switchboard-cli-canary-" + UUID.randomUUID());
  static final String NASTY = "$(touch " + CANARY + ") `id` 'single' \"double\" ; echo pwned | tee " + CANARY + " > /dev/null & \\ \n"
    + "second line\t$HOME ${PATH} *.java ~ !! ünïcødé € 漢字 🙂";

  private static Vertx vertx;
  private static final Map<String, String> ENV = new HashMap<>();

  @TempDir
  Path dir;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
    ENV.put("PATH", "/usr/local/bin:/usr/bin:/bin");
    ENV.put("HOME", "/tmp");
    ENV.put("SECRET_TOKEN", "must-not-leak");
    ENV.put("OPENAI_API_KEY", "sk-must-not-leak");
  }

  @AfterAll
  static void close() throws Exception {
    await(vertx.close());
  }

  private static CliBackend backend(JsonObject conf) {
    JsonObject json = new JsonObject().put("id", "cli-test").put("type", "cli").put("prompt_format", "last_user").mergeIn(conf, true);
    return (CliBackend) new CliProvider().create(vertx, new BackendConfig(json, ENV));
  }

  private static JsonObject command(String... argv) {
    return new JsonObject().put("command", new JsonArray(Arrays.asList((Object[]) argv)));
  }

  private static ChatRequest request(String model, String text, boolean stream) {
    return ChatRequest.fromJson(new JsonObject().put("model", model).put("stream", stream).put("messages", new JsonArray()
      .add(new JsonObject().put("role", "system").put("content", "sys"))
      .add(new JsonObject().put("role", "user").put("content", text))));
  }

  private static CallContext ctx() {
    return new CallContext("r", null, System.currentTimeMillis() + 30_000);
  }

  private static String content(JsonObject completion) {
    return completion.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content");
  }

  private Path script(String name, String body) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    return p;
  }

  @Test
  void promptReachesStdinUnmodified() throws Exception {
    CliBackend cat = backend(command("cat"));
    JsonObject out = await(OnContext.start(vertx, () -> cat.chat(request("any", NASTY, false), ctx())));
    assertEquals(NASTY, content(out));
    assertEquals("stop", out.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    assertTrue(out.getJsonObject("usage").getLong("completion_tokens") > 0);

    Drain.Drained d = await(Drain.stream(vertx, () -> cat.chatStream(request("any", NASTY, true), ctx())));
    assertNull(d.failure());
    assertEquals(NASTY, d.text());
    assertFalse(Files.exists(CANARY), "nothing was executed");
    await(cat.stop());
  }

  @Test
  void transcriptFormatRendersTheWholeChat() throws Exception {
    CliBackend cat = backend(command("cat").put("prompt_format", "transcript"));
    JsonObject out = await(OnContext.start(vertx, () -> cat.chat(request("any", "hello", false), ctx())));
    assertEquals("System: sys\n\nUser: hello\n\nAssistant:", content(out));
    await(cat.stop());
  }

  @Test
  void argvGetsTheModelAndNothingElse() throws Exception {
    CliBackend echo = backend(command("echo", "model={model}", "{other}")
      .put("models", new JsonArray().add("m1").add("x;$(id)"))
      .put("aliases", new JsonObject().put("fast", "m1")));
    assertEquals("model=m1 {other}\n", content(await(OnContext.start(vertx, () -> echo.chat(request("fast", "p", false), ctx())))));
    assertEquals("model=x;$(id) {other}\n", content(await(OnContext.start(vertx, () -> echo.chat(request("x;$(id)", "p", false), ctx())))),
      "an argument is one argv element, never shell text");
    MeshException unknown = failure(OnContext.start(vertx, () -> echo.chat(request("m9", "p", false), ctx())));
    assertEquals(ErrorCode.MODEL_NOT_FOUND, unknown.errorCode());
    await(echo.stop());
  }

  @Test
  void environmentIsTheAllowListOnly() throws Exception {
    CliBackend env = backend(command("env").put("env", new JsonArray().add("PATH").add("HOME").add("NOT_SET_ANYWHERE")));
    String out = content(await(OnContext.start(vertx, () -> env.chat(request("any", "ignored", false), ctx()))));
    Set<String> names = new TreeSet<>();
    out.lines().forEach(l -> names.add(l.substring(0, l.indexOf('='))));
    assertEquals(Set.of("HOME", "PATH"), names, out);
    assertTrue(out.contains("HOME=/tmp\n"));
    assertFalse(out.contains("must-not-leak"));
    await(env.stop());
  }

  @Test
  void streamingForwardsReadsAsTheyArrive() throws Exception {
    Path slow = script("slow.sh", "echo one\nsleep 0.3\necho two\nsleep 0.3\necho three\n");
    CliBackend b = backend(command(slow.toString()));
    Drain.Drained d = await(Drain.stream(vertx, () -> b.chatStream(request("any", "x", true), ctx())));
    assertNull(d.failure());
    assertEquals("one\ntwo\nthree\n", d.text());
    assertTrue(d.chunks().size() >= 4, "three separate reads and the finish chunk: " + d.chunks());
    assertEquals("assistant", d.chunks().get(0).getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("role"));
    assertEquals("stop", d.chunks().get(d.chunks().size() - 1).getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    assertTrue(d.trailer().getJsonObject("usage").getLong("prompt_tokens") > 0);
    await(b.stop());
  }

  @Test
  void nonZeroExitIsUpstreamWithTheLastStderrLine() throws Exception {
    Path failing = script("fail.sh", "cat > /dev/null\necho partial\necho 'loading model' >&2\necho 'fatal: model not loaded' >&2\nexit 3\n");
    CliBackend b = backend(command(failing.toString()));
    MeshException e = failure(OnContext.start(vertx, () -> b.chat(request("any", "x", false), ctx())));
    assertEquals(ErrorCode.UPSTREAM, e.errorCode());
    assertEquals("fail.sh exited with status 3: fatal: model not loaded", e.getMessage());

    Drain.Drained d = await(Drain.stream(vertx, () -> b.chatStream(request("any", "x", true), ctx())));
    assertEquals("partial\n", d.text(), "what came first is delivered");
    assertEquals(ErrorCode.UPSTREAM, d.meshFailure().errorCode(), "and the stream still fails, never ends clean");
    await(b.stop());

    Path verbose = script("verbose.sh", "printf '%0500d\\n' 7 >&2\nexit 1\n");
    CliBackend v = backend(command(verbose.toString()));
    MeshException cut = failure(OnContext.start(vertx, () -> v.chat(request("any", "x", false), ctx())));
    assertTrue(cut.getMessage().endsWith("..."), cut.getMessage());
    assertTrue(cut.getMessage().length() < 260, cut.getMessage());
    await(v.stop());
  }

  @Test
  void timeoutKillsTheProcessTree() throws Exception {
    Path pidFile = dir.resolve("child.pid");
    Path tree = script("tree.sh", "sleep 30 &\necho $! > \"$1\"\nwait\n");
    CliBackend b = backend(command(tree.toString(), pidFile.toString()).put("timeout_ms", 700));
    MeshException e = failure(OnContext.start(vertx, () -> b.chat(request("any", "x", false), ctx())));
    assertEquals(ErrorCode.TIMEOUT, e.errorCode());
    assertTrue(e.getMessage().contains("700 ms"), e.getMessage());
    long grandchild = Long.parseLong(Files.readString(pidFile).trim());
    exited(grandchild); // the background sleep is killed too

    CliBackend sleeper = backend(command("sleep", "30").put("timeout_ms", 500));
    Drain.Drained d = await(Drain.stream(vertx, () -> sleeper.chatStream(request("any", "x", true), ctx())));
    assertEquals(ErrorCode.TIMEOUT, d.meshFailure().errorCode());
    await(b.stop());
    await(sleeper.stop());
  }

  @Test
  void cancellingKillsTheProcessTree() throws Exception {
    Path pidFile = dir.resolve("child.pid");
    Path tree = script("tree.sh", "echo started\nsleep 30 &\necho $! > \"$1\"\nwait\n");
    CliBackend b = backend(command(tree.toString(), pidFile.toString()));
    Context ctx = vertx.getOrCreateContext();
    AtomicReference<ChunkPipe<JsonObject>> pipe = new AtomicReference<>();
    ctx.runOnContext(v -> pipe.set(b.chatStream(request("any", "x", true), ctx())));
    Await.until("the grandchild runs", () -> Files.exists(pidFile) && !readOrEmpty(pidFile).isBlank());
    long grandchild = Long.parseLong(readOrEmpty(pidFile).trim());
    ctx.runOnContext(v -> pipe.get().cancel());
    exited(grandchild); // the whole tree is killed
    await(b.stop());
  }

  private static String readOrEmpty(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return "";
    }
  }

  @Test
  void outputBeyondTheCapIsCutWithLength() throws Exception {
    CliBackend yes = backend(command("yes").put("max_output_bytes", 1000));
    JsonObject out = await(OnContext.start(vertx, () -> yes.chat(request("any", "x", false), ctx())));
    assertEquals("y\n".repeat(500), content(out));
    assertEquals("length", out.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));

    Drain.Drained d = await(Drain.stream(vertx, () -> yes.chatStream(request("any", "x", true), ctx())));
    assertNull(d.failure());
    assertEquals(1000, d.text().length());
    assertEquals("length", d.chunks().get(d.chunks().size() - 1).getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    await(yes.stop());

    CliBackend exact = backend(command("echo", "12345678").put("max_output_bytes", 9));
    JsonObject whole = await(OnContext.start(vertx, () -> exact.chat(request("any", "x", false), ctx())));
    assertEquals("stop", whole.getJsonArray("choices").getJsonObject(0).getString("finish_reason"), "exactly at the cap is not cut");
    await(exact.stop());
  }

  @Test
  void missingExecutableMakesTheBackendUnavailable() throws Exception {
    Path emptyBin = Files.createDirectories(dir.resolve("bin"));
    Map<String, String> env = Map.of("PATH", emptyBin.toString());
    BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> new CliProvider().create(vertx,
      new BackendConfig(new JsonObject().put("id", "c").put("command", new JsonArray().add("llm").add("-m").add("{model}")), env)));
    assertEquals("command not found: llm", e.getMessage());
    assertThrows(BackendUnavailableException.class, () -> backend(command(dir.resolve("nope.sh").toString())));
    assertThrows(IllegalArgumentException.class, () -> backend(new JsonObject().put("command", "llm -m x")),
      "a shell line is refused: the command must be a list");

    CliBackend cat = backend(command("cat"));
    assertEquals(Privacy.LOCAL, cat.descriptor().privacy());
    assertEquals("cli", cat.descriptor().type());
    await(cat.stop());
  }

  /** Waits (bounded) until process {@code pid} has exited: the operating system says when. */
  private static void exited(long pid) {
    ProcessHandle.of(pid).ifPresent(h -> Await.await(io.vertx.core.Future.fromCompletionStage(h.onExit())));
  }
}
