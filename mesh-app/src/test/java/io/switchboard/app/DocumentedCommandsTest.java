package io.switchboard.app;

import io.switchboard.asr.whisper.WhisperModels;
import io.switchboard.voice.vad.SileroModels;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the docs tell a user to type is what the software does: every {@code ./mesh models pull NAME} names a model
 * the launcher can pull, every conf shipped here asks its local Whisper backend for such a model, and every command
 * block of {@code docs/benchmarks.md} runs through {@code ./mesh} or a {@code bench/*.sh} script (which find a JDK 21+
 * as the launcher does), never through a bare {@code mvn} or {@code java} that picks up the machine's default JDK.
 */
class DocumentedCommandsTest {

  static final Path ROOT = MeshProcess.projectDir();
  static final Pattern PULL = Pattern.compile("\\./mesh models pull ([^\\s`]+)");

  static List<Path> docs() throws IOException {
    List<Path> out = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("k8s/README.md")));
    try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
      files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(out::add);
    }
    return out;
  }

  @Test
  void everyModelTheDocsSayToPullCanBePulled() throws IOException {
    int seen = 0;
    for (Path doc : docs()) {
      Matcher m = PULL.matcher(Files.readString(doc));
      while (m.find()) {
        String name = m.group(1);
        seen++;
        assertTrue(WhisperModels.spec(name) != null || name.equals(SileroModels.NAME) || name.matches("[\\w.-]+/[\\w.-]+"),
          ROOT.relativize(doc) + " says './mesh models pull " + name + "', which the launcher refuses as unknown");
      }
    }
    assertTrue(seen >= 3, "the pull commands were found: " + seen);
  }

  @Test
  void everyShippedConfAsksItsLocalWhisperForAModelThatCanBePulled() throws IOException {
    for (String conf : List.of("conf/switchboard.yaml", "k8s/base/switchboard-k8s.yaml")) {
      Map<String, Object> yaml = new Yaml().load(Files.readString(ROOT.resolve(conf)));
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> backends = (List<Map<String, Object>>) yaml.get("backends");
      List<Map<String, Object>> whisper = backends.stream().filter(b -> "local-whisper".equals(b.get("type"))).toList();
      assertFalse(whisper.isEmpty(), conf);
      for (Map<String, Object> b : whisper) {
        String model = (String) b.getOrDefault("model", WhisperModels.DEFAULT_MODEL);
        assertNotNull(WhisperModels.spec(model), conf + ": backend " + b.get("id") + " needs '" + model
          + "', which './mesh models pull' cannot install");
      }
    }
  }

  /** Command lines (not comments, not continuations) of the benchmarks doc's code blocks, except the Jlama section's. */
  @Test
  void benchmarkCommandsGoThroughTheLauncherOrABenchScript() throws IOException {
    List<String> lines = Files.readAllLines(ROOT.resolve("docs/benchmarks.md"));
    boolean inBlock = false;
    boolean continued = false;
    String section = "";
    List<String> commands = new ArrayList<>();
    for (String line : lines) {
      if (line.startsWith("## ")) {
        section = line;
      }
      if (line.startsWith("```")) {
        inBlock = !inBlock;
        continued = false;
        continue;
      }
      String cmd = line.trim();
      if (!inBlock || cmd.isEmpty() || cmd.startsWith("#") || section.contains("Local LLM")) {
        continue;
      }
      if (!continued) {
        commands.add(cmd);
      }
      continued = cmd.endsWith("\\");
    }
    assertFalse(commands.isEmpty());
    for (String cmd : commands) {
      // environment assignments (quoted, $'...' with escapes, or not) and the machine's benchmark lock, in any order,
      // (with or without -w, its wait) come before the command
      String first = cmd.replaceFirst("^(([A-Z_][A-Z0-9_]*=(\"[^\"]*\"|\\$?'[^']*'|\\S+)|flock (-w \\d+ )?\\S+|env) +)+", "");
      assertTrue(first.startsWith("./mesh ") || first.matches("bench/[\\w-]+\\.sh( .*)?") || first.startsWith(".ci/postgres.sh"),
        "docs/benchmarks.md: '" + cmd + "' does not run as written where the default java is older than 21");
    }
  }
}
