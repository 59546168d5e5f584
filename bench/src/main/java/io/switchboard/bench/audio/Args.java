package io.switchboard.bench.audio;

import io.vertx.core.json.JsonObject;

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

  /**
   * The options named in {@code defaults} (without their {@code --}), each {@code --name value} given in {@code args}
   * in place of its default, read as the default's type (a whole number, a decimal one, or text); a default may be
   * null (text). Read where used: {@code o.getInteger("port")}; the result also says how a run was made.
   */
  public static JsonObject options(String[] args, JsonObject defaults) {
    JsonObject options = defaults.copy();
    for (String name : defaults.fieldNames()) {
      String given = get(args, "--" + name, null);
      if (given != null) {
        Object def = defaults.getValue(name);
        options.put(name, def instanceof Double ? (Object) Double.parseDouble(given)
          : def instanceof Number ? (Object) Long.parseLong(given) : given);
      }
    }
    return options;
  }
}
