package io.switchboard.llm.embed;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A BERT WordPiece tokenizer read from a Hugging Face {@code tokenizer.json} (the one shipped with the model): added
 * tokens such as {@code [CLS]} are matched verbatim first, the rest is normalised and split ({@link BertText}), each
 * word is cut greedily into the longest vocabulary pieces ({@code ##} continues a word; a word that cannot be cut,
 * or is longer than {@code max_input_chars_per_word}, is {@code [UNK]}), and the sequence is framed
 * {@code [CLS] ... [SEP]}. Thread-safe once built.
 */
final class WordPieceTokenizer {

  /** The ids of one text, framed, and whether it was cut to fit. */
  record Encoding(long[] ids, boolean truncated) {
  }

  private final Map<String, Integer> vocab;
  private final Map<String, Integer> added;
  private final Pattern addedPattern;
  private final BertText text;
  private final String prefix;
  private final int maxWordChars;
  private final int unk;
  private final int cls;
  private final int sep;
  private final int pad;

  private WordPieceTokenizer(Map<String, Integer> vocab, Map<String, Integer> added, BertText text, String prefix, int maxWordChars,
                             String unk) {
    this.vocab = vocab;
    this.added = added;
    this.text = text;
    this.prefix = prefix;
    this.maxWordChars = maxWordChars;
    this.unk = id(unk);
    this.cls = id("[CLS]");
    this.sep = id("[SEP]");
    this.pad = vocab.getOrDefault("[PAD]", 0);
    this.addedPattern = added.isEmpty() ? null
      : Pattern.compile(String.join("|", added.keySet().stream().sorted((a, b) -> b.length() - a.length()).map(Pattern::quote).toList()));
  }

  private int id(String token) {
    Integer i = vocab.get(token);
    if (i == null) {
      throw new IllegalArgumentException("the tokenizer has no " + token + " token");
    }
    return i;
  }

  /** Reads {@code tokenizer.json}; refuses a tokenizer that is not WordPiece. */
  static WordPieceTokenizer fromJson(JsonObject json) {
    JsonObject model = json.getJsonObject("model");
    if (model == null || !"WordPiece".equals(model.getString("type"))) {
      throw new IllegalArgumentException("not a WordPiece tokenizer.json (model.type is "
        + (model == null ? "missing" : model.getString("type")) + ")");
    }
    Map<String, Integer> vocab = new HashMap<>();
    model.getJsonObject("vocab").forEach(e -> vocab.put(e.getKey(), ((Number) e.getValue()).intValue()));
    Map<String, Integer> added = new LinkedHashMap<>();
    for (Object o : json.getJsonArray("added_tokens", new JsonArray())) {
      JsonObject t = (JsonObject) o;
      added.put(t.getString("content"), t.getInteger("id"));
      vocab.putIfAbsent(t.getString("content"), t.getInteger("id"));
    }
    JsonObject n = json.getJsonObject("normalizer", new JsonObject());
    boolean lowercase = n.getBoolean("lowercase", true);
    Boolean strip = n.getBoolean("strip_accents");
    BertText text = new BertText(n.getBoolean("clean_text", true), n.getBoolean("handle_chinese_chars", true),
      strip == null ? lowercase : strip, lowercase);
    return new WordPieceTokenizer(vocab, added, text, model.getString("continuing_subword_prefix", "##"),
      model.getInteger("max_input_chars_per_word", 100), model.getString("unk_token", "[UNK]"));
  }

  int padId() {
    return pad;
  }

  /** {@code [CLS] pieces [SEP]}, keeping at most {@code maxLength} ids in all (the pieces past it are dropped). */
  Encoding encode(String input, int maxLength) {
    List<Integer> pieces = pieces(input);
    int room = Math.max(0, maxLength - 2);
    boolean truncated = pieces.size() > room;
    int n = Math.min(pieces.size(), room);
    long[] ids = new long[n + 2];
    ids[0] = cls;
    for (int i = 0; i < n; i++) {
      ids[i + 1] = pieces.get(i);
    }
    ids[n + 1] = sep;
    return new Encoding(ids, truncated);
  }

  /** The word pieces of {@code input}, unframed. */
  List<Integer> pieces(String input) {
    List<Integer> out = new ArrayList<>();
    if (addedPattern == null) {
      piecesOf(input, out);
      return out;
    }
    Matcher m = addedPattern.matcher(input);
    int at = 0;
    while (m.find()) {
      piecesOf(input.substring(at, m.start()), out);
      out.add(added.get(m.group()));
      at = m.end();
    }
    piecesOf(input.substring(at), out);
    return out;
  }

  private void piecesOf(String segment, List<Integer> out) {
    if (segment.isEmpty()) {
      return;
    }
    for (String word : BertText.preTokenize(text.normalize(segment))) {
      wordPieces(word, out);
    }
  }

  private void wordPieces(String word, List<Integer> out) {
    int[] cps = word.codePoints().toArray();
    if (cps.length > maxWordChars) {
      out.add(unk);
      return;
    }
    List<Integer> pieces = new ArrayList<>();
    int start = 0;
    while (start < cps.length) {
      Integer found = null;
      int end = cps.length;
      for (; end > start; end--) {
        String sub = new String(cps, start, end - start);
        found = vocab.get(start > 0 ? prefix + sub : sub);
        if (found != null) {
          break;
        }
      }
      if (found == null) {
        out.add(unk);
        return;
      }
      pieces.add(found);
      start = end;
    }
    out.addAll(pieces);
  }
}
