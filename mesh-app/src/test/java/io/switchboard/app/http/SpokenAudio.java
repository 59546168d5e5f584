package io.switchboard.app.http;

import io.switchboard.asr.whisper.WhisperModels;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real speech for the transcription tests: a sentence spoken by flite into a WAV file, the real Whisper model
 * (pulled where the launcher installs it when missing) and a check that a transcript says what was spoken.
 */
final class SpokenAudio {

  static final String SENTENCE = "The quick brown fox jumps over the lazy dog. Then the dog goes back to sleep in the sun.";
  static final List<String> KEY_WORDS = List.of("quick", "brown", "fox", "jumps", "lazy", "dog", "sleep", "sun");

  private SpokenAudio() {
  }

  /** {@code flite -voice slt -t SENTENCE -o dir/spoken.wav}, read back. */
  static Buffer flite(Path dir) throws IOException, InterruptedException {
    Path out = dir.resolve("spoken.wav");
    Process p = new ProcessBuilder("flite", "-voice", "slt", "-t", SENTENCE, "-o", out.toString())
      .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "flite did not finish");
    assertEquals(0, p.exitValue(), "flite failed (apt-get install flite)");
    return Buffer.buffer(Files.readAllBytes(out));
  }

  /** The folder holding the installed whisper-tiny.en (pulled there first when missing). */
  static Path whisperModelsDir() {
    Path model = WhisperModels.pull(WhisperModels.DEFAULT_MODEL, WhisperModels.defaultModelsDir(), System.out);
    return model.getParent().getParent();
  }

  /** A {@code local-whisper} conf entry on the installed model. */
  static JsonObject whisperBackend(String id, int priority) {
    return new JsonObject().put("id", id).put("type", "local-whisper").put("models_dir", whisperModelsDir().toString())
      .put("priority", priority).put("workers", 1).put("intra_op_threads", 2);
  }

  /** Seconds of audio in a PCM WAV, from its header, read here by hand. */
  static double wavSeconds(Buffer wav) {
    assertEquals("RIFF", wav.getString(0, 4));
    assertEquals("WAVE", wav.getString(8, 12));
    int pos = 12;
    long byteRate = -1;
    while (pos + 8 <= wav.length()) {
      String chunk = wav.getString(pos, pos + 4);
      long size = wav.getUnsignedIntLE(pos + 4);
      if (chunk.equals("fmt ")) {
        byteRate = wav.getUnsignedIntLE(pos + 16);
      } else if (chunk.equals("data")) {
        return Math.min(size, wav.length() - pos - 8L) / (double) byteRate;
      }
      pos += 8 + (int) size + (int) (size & 1);
    }
    throw new AssertionError("no data chunk");
  }

  /** Lower-case words without punctuation. */
  static List<String> words(String text) {
    return Arrays.stream(text.toLowerCase(Locale.ROOT).split("[^a-z0-9']+")).filter(w -> !w.isEmpty()).toList();
  }

  /** The transcript holds most of the sentence's key words (tiny.en mishears the odd one). */
  static void assertResembles(String transcript) {
    List<String> heard = words(transcript);
    long found = KEY_WORDS.stream().filter(heard::contains).count();
    assertTrue(found >= KEY_WORDS.size() - 2, "transcript '" + transcript + "' has only " + found + " of " + KEY_WORDS);
  }
}
