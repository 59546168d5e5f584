package io.switchboard.bench.llm;

import io.switchboard.llm.jlama.TinyLlama;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a randomly initialised Llama checkpoint of a real shape in Jlama's Q4 format, for speed measurements: every
 * matrix that is multiplied per token (attention, MLP, the untied output head) is Q4 (4-bit values in blocks of 32
 * with one F32 scale each, Jlama's {@code .qb} tensors), the embedding table (one row read per token) is BF16 and the
 * norms F32. Random bytes are as good as trained weights for timing: the work per token is the same. Streams to disk,
 * so a 1B model needs little heap. The tokenizer is byte-level (256 bytes, Llama 3's special tokens at their ids, and a
 * made-up spelling for every other id). The output layer's scales are zero except for the rows of printable ASCII
 * bytes (the rows are still read and multiplied, so the work is unchanged): answers are printable text whose bytes
 * encode back to the very tokens generated, as a trained model's answers do, so a client that sends an answer back
 * in the next turn's history gives the same tokens (what prefix reuse needs; a made-up spelling would come back as
 * its single bytes).
 */
final class RandomLlama {

  /** Dimensions of a Llama model. */
  record Shape(int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab, int context) {
    /** Llama-3.2-1B (context cut to 8192: a longer one only costs memory for RoPE tables). */
    static final Shape LLAMA_3_2_1B = new Shape(2048, 8192, 16, 32, 8, 128256, 8192);

    int headSize() {
      return hidden / heads;
    }
  }

  private record Tensor(String name, String dtype, long[] shape, long bytes, boolean perToken) {
  }

  static final int BOS = 128000;
  static final int EOS = 128001;
  static final int START_HEADER = 128006;
  static final int END_HEADER = 128007;
  static final int EOT = 128009;

  private RandomLlama() {
  }

  /** Bytes of weights read to generate one token: everything but the embedding table, of which one row is read. */
  static long bytesPerToken(Shape s) {
    return tensors(s).stream().filter(Tensor::perToken).mapToLong(Tensor::bytes).sum();
  }

  /** Writes the model into {@code dir} unless a complete one is there; returns {@code dir}. */
  static Path write(Path dir, Shape s) throws IOException {
    Path done = dir.resolve(".complete");
    if (Files.exists(done)) {
      return dir;
    }
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("config.json"), config(s).encodePrettily());
    Files.writeString(dir.resolve("tokenizer.json"), tokenizer(s).encode());
    Files.writeString(dir.resolve("tokenizer_config.json"), new JsonObject().put("bos_token", "<|begin_of_text|>")
      .put("eos_token", "<|eot_id|>").put("chat_template", "{% for message in messages %}<|start_header_id|>{{ message['role'] }}"
        + "<|end_header_id|>\n\n{{ message['content'] }}<|eot_id|>{% endfor %}{% if add_generation_prompt %}"
        + "<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}").encodePrettily());
    Files.writeString(dir.resolve("README.md"), "Random Llama-shaped weights for benchmarks. Not a language model.\n");
    writeWeights(dir.resolve("model.safetensors"), s);
    Files.createFile(done);
    return dir;
  }

  private static JsonObject config(Shape s) {
    return new JsonObject().put("architectures", new JsonArray().add("LlamaForCausalLM")).put("model_type", "llama")
      .put("hidden_size", s.hidden()).put("intermediate_size", s.intermediate()).put("num_attention_heads", s.heads())
      .put("num_key_value_heads", s.kvHeads()).put("num_hidden_layers", s.layers()).put("max_position_embeddings", s.context())
      .put("rms_norm_eps", 1e-5).put("vocab_size", s.vocab()).put("bos_token_id", BOS)
      .put("eos_token_id", new JsonArray().add(EOS).add(EOT)).put("hidden_act", "silu").put("rope_theta", 500000.0)
      .put("tie_word_embeddings", false);
  }

  /** Every id has a spelling, so every sampled token streams some text ({@code t1234}). */
  private static JsonObject tokenizer(Shape s) {
    JsonObject vocab = new JsonObject();
    for (int b = 0; b < 256; b++) {
      vocab.put(TinyLlama.byteAlias(b), b);
    }
    for (int id = 256; id < s.vocab(); id++) {
      if (id < BOS || id > EOT) {
        vocab.put("t" + id, id);
      }
    }
    JsonArray added = new JsonArray();
    Map<String, Integer> specials = Map.of("<|begin_of_text|>", BOS, "<|end_of_text|>", EOS, "<|start_header_id|>", START_HEADER,
      "<|end_header_id|>", END_HEADER, "<|eot_id|>", EOT);
    specials.forEach((k, v) -> {
      vocab.put(k, v);
      added.add(new JsonObject().put("id", v).put("content", k).put("special", true).put("normalized", false));
    });
    return new JsonObject().put("version", "1.0").put("added_tokens", added)
      .put("pre_tokenizer", new JsonObject().put("type", "Sequence").put("pretokenizers", new JsonArray()
        .add(new JsonObject().put("type", "ByteLevel").put("add_prefix_space", false))))
      .put("model", new JsonObject().put("type", "BPE").put("byte_fallback", false).put("vocab", vocab).put("merges", new JsonArray()));
  }

  private static List<Tensor> tensors(Shape s) {
    List<Tensor> out = new ArrayList<>();
    int h = s.hidden();
    int kv = s.kvHeads() * s.headSize();
    out.add(new Tensor("model.embed_tokens.weight", "BF16", new long[] {s.vocab(), h}, 2L * s.vocab() * h, false));
    for (int l = 0; l < s.layers(); l++) {
      String p = "model.layers." + l + ".";
      q4(out, p + "self_attn.q_proj.weight", h, h);
      q4(out, p + "self_attn.k_proj.weight", kv, h);
      q4(out, p + "self_attn.v_proj.weight", kv, h);
      q4(out, p + "self_attn.o_proj.weight", h, h);
      q4(out, p + "mlp.gate_proj.weight", s.intermediate(), h);
      q4(out, p + "mlp.up_proj.weight", s.intermediate(), h);
      q4(out, p + "mlp.down_proj.weight", h, s.intermediate());
      out.add(new Tensor(p + "input_layernorm.weight", "F32", new long[] {h}, 4L * h, true));
      out.add(new Tensor(p + "post_attention_layernorm.weight", "F32", new long[] {h}, 4L * h, true));
    }
    out.add(new Tensor("model.norm.weight", "F32", new long[] {h}, 4L * h, true));
    q4(out, "lm_head.weight", s.vocab(), h);
    return out;
  }

  private static void q4(List<Tensor> out, String name, long rows, long cols) {
    out.add(new Tensor(name, "Q4", new long[] {rows, cols}, rows * cols / 2, true));
    out.add(new Tensor(name + ".qb", "F32", new long[] {rows, cols / 32}, 4 * rows * (cols / 32), true));
  }

  private static void writeWeights(Path file, Shape s) throws IOException {
    List<Tensor> tensors = tensors(s);
    Map<String, Object> header = new LinkedHashMap<>();
    long offset = 0;
    for (Tensor t : tensors) {
      header.put(t.name(), new JsonObject().put("dtype", t.dtype()).put("shape", new JsonArray(box(t.shape())))
        .put("data_offsets", new JsonArray().add(offset).add(offset + t.bytes())));
      offset += t.bytes();
    }
    StringBuilder json = new StringBuilder(new JsonObject(header).encode());
    while ((json.length() + 8) % 64 != 0) {
      json.append(' ');
    }
    byte[] h = json.toString().getBytes(StandardCharsets.UTF_8);
    long seed = 0x9E3779B97F4A7C15L;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, h.length));
      ch.write(ByteBuffer.wrap(h));
      ByteBuffer buf = ByteBuffer.allocateDirect(16 << 20).order(ByteOrder.LITTLE_ENDIAN);
      for (Tensor t : tensors) {
        long left = t.bytes();
        while (left > 0) {
          buf.clear();
          int n = (int) Math.min(buf.capacity(), left);
          seed = fill(buf, n, t, seed, t.bytes() - left);
          buf.flip();
          while (buf.hasRemaining()) {
            ch.write(buf);
          }
          left -= n;
        }
      }
    }
  }

  /**
   * Random contents of the right kind: nibbles for Q4, small scales for .qb (zero in the output layer but for printable
   * ASCII rows), ones for norms, small BF16 for the table. {@code at} is the tensor's byte offset of this piece.
   */
  private static long fill(ByteBuffer buf, int n, Tensor t, long seed, long at) {
    long x = seed;
    if (t.name().equals("lm_head.weight.qb")) {
      long rowBytes = 4 * t.shape()[1];
      for (int i = 0; i < n; i += 4) {
        long row = (at + i) / rowBytes;
        buf.putFloat(row >= 32 && row <= 126 ? 0.0045f : 0f);
      }
    } else if (t.name().endsWith(".qb")) {
      for (int i = 0; i < n; i += 4) {
        buf.putFloat(0.0045f);
      }
    } else if (t.dtype().equals("F32")) {
      for (int i = 0; i < n; i += 4) {
        buf.putFloat(1f);
      }
    } else if (t.dtype().equals("BF16")) {
      for (int i = 0; i < n; i += 2) {
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        float f = ((x >>> 40) / (float) (1 << 24) - 0.5f) * 0.07f;
        buf.putShort((short) (Float.floatToIntBits(f) >>> 16));
      }
    } else {
      for (int i = 0; i < n; i += 8) {
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        buf.putLong(x);
      }
    }
    return x;
  }

  private static List<Object> box(long[] a) {
    List<Object> out = new ArrayList<>();
    for (long v : a) {
      out.add(v);
    }
    return out;
  }
}
