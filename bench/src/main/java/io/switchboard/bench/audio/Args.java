package io.switchboard.bench.audio;

/** {@code --name value} command-line options of the audio and voice benchmarks. */
public final class Args {

  private Args() {
  }

  public static String get(String[] args, String name, String def) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return def;
  }
}
