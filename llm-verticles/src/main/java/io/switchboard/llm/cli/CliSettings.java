package io.switchboard.llm.cli;

import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendUnavailableException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CLI backend's conf. {@code command} is an argument list, never a shell line: its first element is resolved to
 * an absolute executable at start (on the {@code PATH} the child will see), so a missing tool makes the backend
 * unavailable ("command not found: llm") instead of failing every request. {@code env} names the only variables the
 * child inherits.
 *
 * @param argv       the command with {@code argv[0]} resolved; {@code {model}} placeholders still in place
 * @param env        the allowed variables and their values
 * @param workerPool threads for the blocking process I/O (three a running request: stdin, stdout, stderr)
 */
record CliSettings(
  List<String> argv,
  Map<String, String> env,
  PromptFormat promptFormat,
  long timeoutMs,
  long maxOutputBytes,
  int workerPool) {

  static final String MODEL = "{model}";

  static CliSettings from(BackendConfig conf, int concurrency) {
    JsonObject json = conf.json();
    if (!(json.getValue("command") instanceof JsonArray command) || command.isEmpty()
      || !command.stream().allMatch(a -> a instanceof String)) {
      throw new IllegalArgumentException("command must be a non-empty list of strings, e.g. [\"llm\", \"-m\", \"{model}\"] (no shell line)");
    }
    List<String> allowed = new ArrayList<>();
    json.getJsonArray("env", new JsonArray().add("PATH").add("HOME")).forEach(v -> allowed.add(String.valueOf(v)));
    Map<String, String> env = new LinkedHashMap<>();
    for (String name : allowed) {
      String v = conf.env(name);
      if (v != null) {
        env.put(name, v);
      }
    }
    List<String> argv = new ArrayList<>();
    command.forEach(a -> argv.add((String) a));
    argv.set(0, resolve(argv.get(0), conf.env("PATH")));
    long timeout = json.getLong("timeout_ms", 120_000L);
    long maxBytes = json.getLong("max_output_bytes", 1_048_576L);
    if (timeout < 1 || maxBytes < 1) {
      throw new IllegalArgumentException("timeout_ms and max_output_bytes must be positive");
    }
    return new CliSettings(List.copyOf(argv), Map.copyOf(env), PromptFormat.parse(json.getString("prompt_format", "transcript")),
      timeout, maxBytes, json.getInteger("workers", 3 * concurrency));
  }

  /** An absolute path to an executable file, looked up on {@code path} when {@code name} has no slash. */
  static String resolve(String name, String path) {
    if (name.contains("/")) {
      Path p = Path.of(name).toAbsolutePath();
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p.toString();
      }
      throw new BackendUnavailableException("command not found: " + name);
    }
    String search = path == null ? "/usr/local/bin:/usr/bin:/bin" : path;
    for (String dir : search.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, name);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p.toAbsolutePath().toString();
      }
    }
    throw new BackendUnavailableException("command not found: " + name);
  }

  /** The argument list for one request: {@code {model}} filled in, nothing else interpreted. */
  List<String> argvFor(String model) {
    List<String> out = new ArrayList<>(argv.size());
    for (String a : argv) {
      out.add(a.replace(MODEL, model));
    }
    return out;
  }

  String name() {
    return Path.of(argv.get(0)).getFileName().toString();
  }
}
