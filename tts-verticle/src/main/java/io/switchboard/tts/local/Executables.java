package io.switchboard.tts.local;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds an external program the way a shell would, without running one: a name with a slash is taken as a path,
 * a bare name is looked up in {@code PATH}. Lets the backend say "flite not installed" instead of failing on the
 * first request.
 */
final class Executables {

  private Executables() {
  }

  /** The executable file for {@code nameOrPath}, or null when there is none. */
  static Path resolve(String nameOrPath, String pathEnv) {
    if (nameOrPath == null || nameOrPath.isBlank()) {
      return null;
    }
    if (nameOrPath.contains("/")) {
      Path p = Path.of(nameOrPath);
      return isExecutable(p) ? p : null;
    }
    if (pathEnv == null) {
      return null;
    }
    for (String dir : pathEnv.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, nameOrPath);
      if (isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  static boolean isExecutable(Path p) {
    return Files.isRegularFile(p) && Files.isExecutable(p);
  }
}
