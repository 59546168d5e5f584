package io.switchboard.app;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Deque;

/** {@code mesh models list|pull NAME}: installs the local models the configured backends need. */
final class ModelsCommand {

  private ModelsCommand() {
  }

  static int run(Deque<String> args, Path confDir, PrintStream out) {
    String sub = args.isEmpty() ? "list" : args.poll();
    out.println("models: '" + sub + "' is not available yet in this build");
    return 2;
  }

  /** Called by {@code run}: fetches the default local models when they are missing. */
  static void pullMissingDefaults(Path confDir, PrintStream out) {
  }
}
