package io.switchboard.llm.jlama;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a tiny Llama checkpoint (config.json, model.safetensors, tokenizer.json, tokenizer_config.json) that Jlama
 * loads and runs like a real one: hidden 64, 2 layers, 4 heads, 2 key/value heads, a byte-level BPE vocabulary of
 * 256 bytes + 4 merges + 5 special tokens, and a Llama-3-style chat template. The weights are random (fixed seed, so
 * every run writes the same model and a seeded request generates the same words); the words are noise.
 *
 * <p>Two choices keep tests predictable: the output rows of the special tokens and of every non-printable byte are
 * zero while the others are large, so a generation is printable ASCII and practically never samples an end token —
 * {@code max_tokens} decides when it ends unless a stop sequence does.
 *
 * <p>Reusable by other modules' tests (the test-jar): {@code TinyLlama.write(tempDir)} then configure a {@code jlama}
 * backend with {@code model_path} = that folder.
 */
public final class TinyLlama {

  public static final int HIDDEN = 64;
  public static final int LAYERS = 2;
  public static final int HEADS = 4;
  public static final int KV_HEADS = 2;
  public static final int CONTEXT = 4096;

  /** Merged pairs on top of the 256 bytes (in GPT-2's byte alphabet, where {@code Ġ} is a space). */
  private static final String[][] MERGES = {{"h", "e"}, {"Ġ", "t"}, {"Ġt", "he"}, {"i", "n"}};
  public static final String BOS = "<|begin_of_text|>";
  public static final String EOS = "<|end_of_text|>";
  public static final String EOT = "<|eot_id|>";
  private static final String[] SPECIALS = {BOS, EOS, "<|start_header_id|>", "<|end_header_id|>", EOT};
  public static final int VOCAB = 256 + MERGES.length + SPECIALS.length;

  private static final String TEMPLATE = "{% for message in messages %}<|start_header_id|>{{ message['role'] }}<|end_header_id|>\n\n"
    + "{{ message['content'] }}<|eot_id|>{% endfor %}{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}";

  private TinyLlama() {
  }

  /** Writes an F32 checkpoint into {@code dir} (created if needed) and returns it. */
  public static Path write(Path dir) throws IOException {
    return write(dir, "F32");
  }

  /** Writes the checkpoint with weights in {@code dtype}: {@code F32}, {@code F16} or {@code BF16}. */
  public static Path write(Path dir, String dtype) throws IOException {
    return write(dir, dtype, HIDDEN);
  }

  /**
   * Writes the checkpoint with a wider hidden size (a multiple of 64; the MLP is twice as wide). Jlama quantizes
   * activations to I8 against Q4 weights only from hidden 512 up (AVX-512), so that path needs a wider model.
   */
  public static Path write(Path dir, String dtype, int hidden) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("config.json"), config(hidden).encodePrettily());
    Files.writeString(dir.resolve("tokenizer.json"), tokenizer().encodePrettily());
    Files.writeString(dir.resolve("tokenizer_config.json"), new JsonObject()
      .put("bos_token", BOS).put("eos_token", EOT).put("chat_template", TEMPLATE).encodePrettily());
    writeWeights(dir.resolve("model.safetensors"), dtype, hidden);
    return dir;
  }

  static JsonObject config(int hidden) {
    return new JsonObject()
      .put("architectures", new JsonArray().add("LlamaForCausalLM"))
      .put("model_type", "llama")
      .put("hidden_size", hidden)
      .put("intermediate_size", 2 * hidden)
      .put("num_attention_heads", HEADS)
      .put("num_key_value_heads", KV_HEADS)
      .put("num_hidden_layers", LAYERS)
      .put("max_position_embeddings", CONTEXT)
      .put("rms_norm_eps", 1e-5)
      .put("vocab_size", VOCAB)
      .put("bos_token_id", id(BOS))
      .put("eos_token_id", new JsonArray().add(id(EOS)).add(id(EOT)))
      .put("hidden_act", "silu")
      .put("rope_theta", 10000.0)
      .put("tie_word_embeddings", false)
      .put("torch_dtype", "float32");
  }

  static int id(String special) {
    for (int i = 0; i < SPECIALS.length; i++) {
      if (SPECIALS[i].equals(special)) {
        return 256 + MERGES.length + i;
      }
    }
    throw new IllegalArgumentException(special);
  }

  /** GPT-2's printable alias of each byte, as every byte-level BPE vocabulary spells it. */
  public static String byteAlias(int b) {
    boolean printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    if (printable) {
      return Character.toString(b);
    }
    int n = 0;
    for (int c = 0; c < b; c++) {
      if (!((c >= 33 && c <= 126) || (c >= 161 && c <= 172) || (c >= 174 && c <= 255))) {
        n++;
      }
    }
    return Character.toString(256 + n);
  }

  static JsonObject tokenizer() {
    JsonObject vocab = new JsonObject();
    for (int b = 0; b < 256; b++) {
      vocab.put(byteAlias(b), b);
    }
    JsonArray merges = new JsonArray();
    for (int i = 0; i < MERGES.length; i++) {
      vocab.put(MERGES[i][0] + MERGES[i][1], 256 + i);
      merges.add(MERGES[i][0] + " " + MERGES[i][1]);
    }
    JsonArray added = new JsonArray();
    for (String s : SPECIALS) {
      vocab.put(s, id(s));
      added.add(new JsonObject().put("id", id(s)).put("content", s).put("single_word", false).put("lstrip", false)
        .put("rstrip", false).put("normalized", false).put("special", true));
    }
    String split = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    return new JsonObject()
      .put("version", "1.0")
      .put("added_tokens", added)
      .putNull("normalizer")
      .put("pre_tokenizer", new JsonObject().put("type", "Sequence").put("pretokenizers", new JsonArray()
        .add(new JsonObject().put("type", "Split").put("pattern", new JsonObject().put("Regex", split))
          .put("behavior", "Isolated").put("invert", false))
        .add(new JsonObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", false))))
      .put("decoder", new JsonObject().put("type", "ByteLevel"))
      .put("model", new JsonObject().put("type", "BPE").putNull("unk_token").put("fuse_unk", false)
        .put("byte_fallback", false).put("ignore_merges", false).put("vocab", vocab).put("merges", merges));
  }

  // ---- weights

  private static void writeWeights(Path file, String dtype, int hidden) throws IOException {
    SplittableRandom random = new SplittableRandom(20240611L);
    Map<String, float[]> tensors = new LinkedHashMap<>();
    Map<String, int[]> shapes = new LinkedHashMap<>();
    int headSize = hidden / HEADS;
    int inter = 2 * hidden;
    float scale = (float) (1.0 / Math.sqrt(hidden));
    put(tensors, shapes, "model.embed_tokens.weight", gaussian(random, VOCAB * hidden, 1.0f), VOCAB, hidden);
    for (int l = 0; l < LAYERS; l++) {
      String p = "model.layers." + l + ".";
      put(tensors, shapes, p + "self_attn.q_proj.weight", gaussian(random, hidden * hidden, scale), HEADS * headSize, hidden);
      put(tensors, shapes, p + "self_attn.k_proj.weight", gaussian(random, KV_HEADS * headSize * hidden, scale), KV_HEADS * headSize, hidden);
      put(tensors, shapes, p + "self_attn.v_proj.weight", gaussian(random, KV_HEADS * headSize * hidden, scale), KV_HEADS * headSize, hidden);
      put(tensors, shapes, p + "self_attn.o_proj.weight", gaussian(random, hidden * hidden, scale), hidden, HEADS * headSize);
      put(tensors, shapes, p + "mlp.gate_proj.weight", gaussian(random, inter * hidden, scale), inter, hidden);
      put(tensors, shapes, p + "mlp.up_proj.weight", gaussian(random, inter * hidden, scale), inter, hidden);
      put(tensors, shapes, p + "mlp.down_proj.weight", gaussian(random, hidden * inter, 0.7f * scale), hidden, inter);
      put(tensors, shapes, p + "input_layernorm.weight", ones(hidden), hidden);
      put(tensors, shapes, p + "post_attention_layernorm.weight", ones(hidden), hidden);
    }
    put(tensors, shapes, "model.norm.weight", ones(hidden), hidden);
    // Output rows of size ~1 against a unit-RMS hidden state: logits with a spread of about 8, so sampling is peaked.
    float[] head = gaussian(random, VOCAB * hidden, (float) (8.0 / Math.sqrt(hidden)));
    for (int t = 0; t < VOCAB; t++) {
      boolean printableAscii = t >= 32 && t <= 126;
      boolean merge = t >= 256 && t < 256 + MERGES.length;
      if (!printableAscii && !merge) {
        java.util.Arrays.fill(head, t * hidden, (t + 1) * hidden, 0f);
      }
    }
    put(tensors, shapes, "lm_head.weight", head, VOCAB, hidden);
    writeSafetensors(file, tensors, shapes, dtype);
  }

  private static void put(Map<String, float[]> tensors, Map<String, int[]> shapes, String name, float[] data, int... shape) {
    tensors.put(name, data);
    shapes.put(name, shape);
  }

  private static float[] gaussian(SplittableRandom random, int n, float std) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      // Box-Muller: SplittableRandom has no nextGaussian on JDK 21.
      double u = 1.0 - random.nextDouble();
      double v = random.nextDouble();
      out[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)) * std;
    }
    return out;
  }

  private static float[] ones(int n) {
    float[] out = new float[n];
    java.util.Arrays.fill(out, 1f);
    return out;
  }

  /** The safetensors format: 8-byte little-endian header length, the JSON header (padded to 8), then raw data. */
  static void writeSafetensors(Path file, Map<String, float[]> tensors, Map<String, int[]> shapes, String dtype) throws IOException {
    int width = dtype.equals("F32") ? 4 : 2;
    JsonObject header = new JsonObject().put("__metadata__", new JsonObject().put("format", "pt"));
    long offset = 0;
    for (Map.Entry<String, float[]> e : tensors.entrySet()) {
      long bytes = (long) e.getValue().length * width;
      JsonArray shape = new JsonArray();
      for (int d : shapes.get(e.getKey())) {
        shape.add(d);
      }
      header.put(e.getKey(), new JsonObject().put("dtype", dtype).put("shape", shape)
        .put("data_offsets", new JsonArray().add(offset).add(offset + bytes)));
      offset += bytes;
    }
    StringBuilder json = new StringBuilder(header.encode());
    while (json.length() % 8 != 0) {
      json.append(' ');
    }
    byte[] headerBytes = json.toString().getBytes(StandardCharsets.UTF_8);
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerBytes.length).array());
      out.write(headerBytes);
      for (float[] data : tensors.values()) {
        ByteBuffer buf = ByteBuffer.allocate(data.length * width).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : data) {
          switch (dtype) {
            case "F32" -> buf.putFloat(f);
            case "F16" -> buf.putShort(Float.floatToFloat16(f));
            case "BF16" -> buf.putShort((short) (Float.floatToIntBits(f) >>> 16));
            default -> throw new IllegalArgumentException("dtype " + dtype);
          }
        }
        out.write(buf.array());
      }
    }
  }
}
