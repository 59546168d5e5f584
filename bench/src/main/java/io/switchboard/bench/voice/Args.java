package io.switchboard.bench.voice;

/** {@code --name value} command-line options of the voice benchmark. */
final class Args {

  private Args() {
  }

  static String get(String[] args, String name, String def) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return def;
  }
}
