package io.switchboard.llm.jlama;

import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.util.ProgressReporter;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The local model store of Jlama backends: where models live ({@code SWITCHBOARD_MODELS_DIR}, else
 * {@code ~/.cache/switchboard/models}), how a conf name finds its folder, downloading from Hugging Face with Jlama's
 * own downloader, and listing what is installed. A pulled model {@code owner/name} lives in folder
 * {@code owner_name} (Jlama's layout), so {@code model: owner/name} in conf finds it.
 */
public final class JlamaModels {

  /** One installed model folder. {@code complete} is false for a folder without weights (a broken or partial pull). */
  public record Installed(String name, Path path, long bytes, boolean complete) {
    /** One line for {@code mesh models list}: name, size, and a warning when incomplete. */
    public String describe() {
      return String.format(Locale.ROOT, "%-48s %10s%s", name, human(bytes), complete ? "" : "  (incomplete: no weights)");
    }
  }

  static final URI HUGGING_FACE = URI.create("https://huggingface.co");
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private JlamaModels() {
  }

  /** The models folder: {@code SWITCHBOARD_MODELS_DIR} when set, else {@code ~/.cache/switchboard/models}. */
  public static Path modelsDir(Map<String, String> env) {
    String dir = env.get("SWITCHBOARD_MODELS_DIR");
    if (dir != null && !dir.isBlank()) {
      return Path.of(dir);
    }
    return Path.of(System.getProperty("user.home"), ".cache", "switchboard", "models");
  }

  /** The folder of a model named in conf: a folder of that name in {@code modelsDir}, else Jlama's {@code owner_name}. */
  public static Path folderOf(String model, Path modelsDir) {
    Path direct = modelsDir.resolve(model);
    if (!model.contains("/") || Files.isDirectory(direct)) {
      return direct;
    }
    String[] parts = model.split("/", 2);
    return SafeTensorSupport.constructLocalModelPath(modelsDir.toString(), parts[0], parts[1]);
  }

  /**
   * Downloads {@code huggingfaceId} ({@code owner/name}, safetensors weights, config and tokenizer files) into
   * {@code modelsDir} with Jlama's downloader, printing progress to {@code out}; returns the model folder. A model
   * already pulled completely is not fetched again. {@code HF_TOKEN} from the environment is sent for gated models.
   *
   * @throws IOException with a message saying what to do when Hugging Face cannot be reached or the model is not there
   */
  public static Path pull(String huggingfaceId, Path modelsDir, PrintStream out) throws IOException {
    return pull(huggingfaceId, modelsDir, out, HUGGING_FACE, CONNECT_TIMEOUT, System.getenv("HF_TOKEN"));
  }

  static Path pull(String huggingfaceId, Path modelsDir, PrintStream out, URI hub, Duration connectTimeout, String token) throws IOException {
    String[] parts = huggingfaceId == null ? new String[0] : huggingfaceId.split("/");
    if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
      throw new IllegalArgumentException("a Hugging Face model id is owner/name, e.g. tjake/Llama-3.2-1B-Instruct-JQ4; got '" + huggingfaceId + "'");
    }
    probe(huggingfaceId, modelsDir, hub, connectTimeout, token);
    Files.createDirectories(modelsDir);
    out.println("pulling " + huggingfaceId + " into " + folderOf(huggingfaceId, modelsDir));
    Path dir = SafeTensorSupport.maybeDownloadModel(modelsDir.toString(), Optional.of(parts[0]), parts[1], true,
      Optional.empty(), Optional.ofNullable(token), Optional.of(new Progress(out))).toPath();
    out.println("done: " + dir + " (" + human(sizeOf(dir)) + ")");
    return dir;
  }

  /**
   * Jlama's downloader has no timeouts and reports a missing network as a bare stack trace: ask the hub about the
   * model first, with a short connect timeout, and turn each failure into advice.
   */
  private static void probe(String id, Path modelsDir, URI hub, Duration connectTimeout, String token) throws IOException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NORMAL).build();
    HttpRequest.Builder req = HttpRequest.newBuilder(hub.resolve("/api/models/" + id)).timeout(connectTimeout.multipliedBy(3)).GET();
    if (token != null && !token.isBlank()) {
      req.header("Authorization", "Bearer " + token);
    }
    int status;
    try {
      status = client.send(req.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (HttpTimeoutException e) {
      throw offline(id, modelsDir, hub, "timed out after " + connectTimeout.toMillis() + " ms");
    } catch (IOException e) {
      throw offline(id, modelsDir, hub, reason(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while contacting " + hub.getHost());
    } finally {
      client.close();
    }
    if (status == 401 || status == 403) {
      throw new IOException(id + " is gated or private on " + hub.getHost() + " (HTTP " + status + "): accept its licence there and set HF_TOKEN");
    }
    if (status == 404) {
      throw new IOException("no model " + id + " on " + hub.getHost() + " (HTTP 404): check the owner/name");
    }
    if (status >= 400) {
      throw new IOException(hub.getHost() + " answered HTTP " + status + " for " + id + "; try again later");
    }
  }

  /** The JDK client wraps the telling failure (no DNS, refused) in bare ConnectExceptions. */
  private static String reason(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
        return "the host name does not resolve";
      }
      if (t.getMessage() != null) {
        return t.getClass().getSimpleName() + ": " + t.getMessage();
      }
    }
    return e.getClass().getSimpleName();
  }

  private static IOException offline(String id, Path modelsDir, URI hub, String reason) {
    return new IOException("cannot reach " + hub.getHost() + " to pull " + id + " (" + reason + "): this host looks offline. "
      + "Pull on a machine with network access and copy the folder " + folderOf(id, Path.of("")).getFileName()
      + " into " + modelsDir + ", or point a backend's model_path at a model folder");
  }

  /**
   * A quantized copy of the model in {@code modelDir}, made once with Jlama's quantizer into the sibling folder
   * {@code <name>-J<type>} (Jlama's naming; {@code <name>-JQ4} for Q4) and reused after. Every matrix becomes
   * {@code type} except the embedding table, of which one row is read per token (Jlama's embedding lookup expects it
   * unquantized). Jlama's own quantize-while-loading skips the sharded layer weights in this version, so it is not used.
   */
  public static Path quantize(Path modelDir, DType type) throws IOException {
    Path target = modelDir.resolveSibling(modelDir.getFileName() + "-J" + type.name());
    if (SafeTensorSupport.isModelLocal(target) && Files.exists(target.resolve("config.json"))) {
      return target;
    }
    if (!Files.exists(modelDir.resolve("README.md"))) {
      // Jlama's quantizer copies the model card and fails without one.
      Files.writeString(modelDir.resolve("README.md"), "# " + modelDir.getFileName() + "\n");
    }
    Path partial = modelDir.resolveSibling(target.getFileName() + ".partial");
    deleteTree(partial);
    SafeTensorSupport.quantizeModel(modelDir, type, new String[] {"model.embed_tokens", "wte", "word_embeddings"}, null, Optional.of(partial));
    deleteTree(target);
    Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
    return target;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** The model folders in {@code modelsDir} (folders holding a config.json), by name; empty when the folder is absent. */
  public static List<Installed> list(Path modelsDir) throws IOException {
    List<Installed> out = new ArrayList<>();
    if (!Files.isDirectory(modelsDir)) {
      return out;
    }
    try (Stream<Path> children = Files.list(modelsDir)) {
      for (Path p : children.sorted().toList()) {
        if (Files.isDirectory(p) && Files.exists(p.resolve("config.json"))) {
          out.add(new Installed(p.getFileName().toString(), p, sizeOf(p), SafeTensorSupport.isModelLocal(p)));
        }
      }
    }
    return out;
  }

  private static long sizeOf(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> {
        try {
          return Files.size(f);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).sum();
    }
  }

  static String human(long bytes) {
    String[] units = {"B", "KB", "MB", "GB", "TB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  /** Jlama calls its reporter in a busy loop while a file downloads: print only every 5% and at the end. */
  private static final class Progress implements ProgressReporter {
    private final PrintStream out;
    private String file;
    private long lastPercent = -1;

    Progress(PrintStream out) {
      this.out = out;
    }

    @Override
    public void update(String name, long done, long total) {
      if (!name.equals(file)) {
        file = name;
        lastPercent = -1;
      }
      long percent = total <= 0 ? 0 : done * 100 / total;
      if (Math.floorDiv(percent, 5) != Math.floorDiv(lastPercent, 5)) {
        lastPercent = percent;
        out.printf(Locale.ROOT, "  %s %3d%% of %s%n", name, percent, human(total));
      }
    }
  }
}
