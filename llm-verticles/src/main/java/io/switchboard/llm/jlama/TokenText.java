package io.switchboard.llm.jlama;

import com.github.tjake.jlama.safetensors.tokenizer.BPETokenizer;
import com.github.tjake.jlama.safetensors.tokenizer.TokenizerModel;
import com.google.common.collect.BiMap;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Text on both sides of a Jlama BPE tokenizer, done byte-exactly. Jlama's own per-token {@code decode} maps a
 * byte-level token back to one char per byte (so any non-ASCII answer comes out as mojibake) and its encoder maps a
 * non-ASCII character to the token of its Latin-1 byte. Here a token becomes the bytes it stands for (GPT-2 byte
 * aliases, SentencePiece {@code <0xNN>} byte fallback, {@code ▁} for space) and a streaming UTF-8 decoder emits a
 * character only when all its bytes have arrived; on the way in, non-ASCII characters are spelled as the aliases of
 * their UTF-8 bytes before Jlama encodes them.
 */
final class TokenText {

  private static final String SPIECE_UNDERLINE = "\u2581";

  private final TokenizerModel model;
  private final boolean byteLevel;
  private final BiMap<Integer, Integer> aliases = BPETokenizer.alteredBytes;

  TokenText(TokenizerModel model) {
    this.model = model;
    this.byteLevel = model.isLegacy() && !model.byteFallback;
  }

  /** True for SentencePiece-style vocabularies, whose first word carries a leading space that is not part of the answer. */
  boolean stripsLeadingSpace() {
    return !byteLevel;
  }

  /** Rewrites non-ASCII characters of {@code text} as byte aliases so a byte-level vocabulary encodes their UTF-8 bytes. */
  String prepareForEncoding(String text) {
    if (!byteLevel) {
      return text;
    }
    StringBuilder sb = null;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      int n = Character.charCount(cp);
      if (cp >= 128 && sb == null) {
        sb = new StringBuilder(text.length() + 16).append(text, 0, i);
      }
      if (sb != null) {
        if (cp < 128) {
          sb.appendCodePoint(cp);
        } else {
          for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
            int u = b & 0xff;
            sb.appendCodePoint(aliases.getOrDefault(u, u));
          }
        }
      }
      i += n;
    }
    return sb == null ? text : sb.toString();
  }

  /** The bytes token {@code id} stands for; empty for special tokens and ids outside the vocabulary. */
  byte[] bytes(long id) {
    if (model.isSpecialToken(id)) {
      return new byte[0];
    }
    String piece = model.vocabLookup.inverse().get(id);
    if (piece == null) {
      return new byte[0];
    }
    if (byteLevel) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(piece.length());
      piece.codePoints().forEach(cp -> {
        Integer b = aliases.inverse().get(cp);
        if (b != null) {
          out.write(b);
        } else if (cp < 256) {
          out.write(cp);
        } else {
          out.writeBytes(Character.toString(cp).getBytes(StandardCharsets.UTF_8));
        }
      });
      return out.toByteArray();
    }
    if (model.byteFallback && piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">")) {
      return new byte[] {(byte) Integer.parseInt(piece.substring(3, 5), 16)};
    }
    return piece.replace(SPIECE_UNDERLINE, " ").getBytes(StandardCharsets.UTF_8);
  }

  /** A streaming decoder for one generation. */
  Decoder decoder() {
    return new Decoder();
  }

  /** Turns a token stream into text, holding back the bytes of a character that is not complete yet. Not thread-safe. */
  final class Decoder {
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer pending = ByteBuffer.allocate(16);
    private boolean started;

    /** The text token {@code id} completes (often the token's own text; empty while a character is split). */
    String next(long id) {
      byte[] b = bytes(id);
      if (pending.remaining() < b.length) {
        ByteBuffer bigger = ByteBuffer.allocate(pending.capacity() + b.length + 16);
        pending.flip();
        bigger.put(pending);
        pending = bigger;
      }
      pending.put(b);
      pending.flip();
      CharBuffer out = CharBuffer.allocate(pending.remaining() + 2);
      utf8.decode(pending, out, false);
      pending.compact();
      out.flip();
      String text = out.toString();
      if (!started && !text.isEmpty()) {
        started = true;
        if (stripsLeadingSpace() && text.startsWith(" ")) {
          text = text.substring(1);
        }
      }
      return text;
    }
  }
}
