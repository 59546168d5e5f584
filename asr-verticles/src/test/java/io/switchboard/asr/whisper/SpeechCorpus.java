package io.switchboard.asr.whisper;

import io.switchboard.core.audio.PcmAudio;
import io.switchboard.core.audio.WavDecoder;
import io.switchboard.core.audio.WavWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Speech we did not synthesise ourselves: English sentences spoken by flite (voices slt and rms), cached under
 * {@code target/flite-clips} so reruns cost nothing. Long clips are sentences joined with natural pauses.
 * Telephony (8 kHz μ-law WAV) and CD-style (44.1 kHz stereo WAV) copies are made by ffmpeg, independently of the
 * decoder under test.
 */
final class SpeechCorpus {

  /** A clip and what was said in it. */
  record Clip(String name, String text, byte[] wav) {
  }

  static final List<String[]> SHORT = List.of(
    new String[]{"slt", "Please call Stella and ask her to bring these things with her from the store."},
    new String[]{"slt", "The train to Edinburgh leaves from platform 7 at a quarter past nine."},
    new String[]{"slt", "Our support team is available every weekday between eight in the morning and six in the evening."},
    new String[]{"slt", "I would like to book a table for four people on Friday night, preferably near the window."},
    new String[]{"slt", "The new battery lasts twice as long, but it takes almost three hours to charge completely."},
    new String[]{"slt", "Remember to back up your files before you install the update on your laptop."},
    new String[]{"rms", "The weather forecast says heavy rain will move in from the west by tomorrow afternoon."},
    new String[]{"rms", "Your package was delivered to the front desk and signed for by the receptionist."},
    new String[]{"rms", "We measured the temperature every hour and recorded the results in a spreadsheet."},
    new String[]{"rms", "If you have any questions about your bill, press 1 to speak with an agent."},
    new String[]{"rms", "The museum is closed on Mondays, but the garden stays open until sunset."},
    new String[]{"rms", "She finished the marathon in just under four hours and raised money for the local hospital."});

  /** A status meeting, one voice: a little over a minute. */
  static final List<String> MEETING = List.of(
    "Good morning everyone, and thank you for joining the weekly status meeting.",
    "First, the good news: the mobile app passed its security review on Tuesday.",
    "The release is planned for the end of the month, assuming nothing else comes up.",
    "The design team finished the new onboarding screens and shared them yesterday.",
    "Please leave your comments on the shared document before Thursday.",
    "On the backend, the database migration took longer than we expected.",
    "We had to pause it twice because the reports were running slowly.",
    "It is complete now, and the dashboards are faster than they were before.",
    "Customer support received fewer tickets this week than in any week this year.",
    "Most of the remaining questions are about changing passwords and billing dates.",
    "We will publish a short guide to answer those questions directly.",
    "Finally, remember that the office will be closed next Monday for the holiday.",
    "That is everything from me, so let us move on to questions.");

  /** A story told by two alternating voices: a little over two minutes. */
  static final List<String> STORY = List.of(
    "Last summer my brother and I decided to walk along the coast for a whole week.",
    "We packed light, with one tent, two sleeping bags and far too much chocolate.",
    "On the first morning the sky was clear and the sea was completely calm.",
    "By lunchtime we had reached a small fishing village with a single bakery.",
    "The baker told us that a storm was coming and that we should find shelter early.",
    "We thanked him, bought two loaves of bread, and kept walking anyway.",
    "In the afternoon the wind grew stronger and the clouds turned dark grey.",
    "We found an old stone barn near the cliffs and asked the farmer for permission to stay.",
    "She laughed and said that hikers ask her the same question every summer.",
    "That night the rain hammered on the roof, but we stayed warm and dry.",
    "The next day the path was muddy and we walked much more slowly.",
    "We saw seals resting on the rocks below and stopped to watch them for an hour.",
    "My brother tried to take a photograph, but his phone battery was empty.",
    "On the third day we met a retired teacher who was walking the same route.",
    "He knew the name of every bird and every plant we passed.",
    "He also knew a shortcut, which turned out to be much longer than the normal path.",
    "We arrived at the campsite after dark and had to pitch the tent by torchlight.",
    "The fourth and fifth days were quiet, sunny and wonderfully uneventful.",
    "We swam in a cold bay and dried ourselves on warm rocks.",
    "On the last evening we cooked pasta on a tiny stove and watched the sunset.",
    "The next morning we packed up slowly and walked to the station in the village.",
    "The train was late, so we sat on a bench and wrote postcards to our friends.",
    "My brother wrote that the walk had been the best holiday of his life.",
    "I wrote that the chocolate had not been nearly enough.",
    "Neither of us wanted to go home that morning.",
    "We still talk about that week whenever the weather turns bad.");

  private static final Path CACHE = Path.of("target", "flite-clips");

  private SpeechCorpus() {
  }

  static List<Clip> shortClips() throws IOException, InterruptedException {
    List<Clip> out = new ArrayList<>();
    for (int i = 0; i < SHORT.size(); i++) {
      String[] s = SHORT.get(i);
      out.add(new Clip("sentence-" + (i + 1) + "-" + s[0], s[1], Files.readAllBytes(speak(s[0], s[1]))));
    }
    return out;
  }

  static Clip meeting() throws IOException, InterruptedException {
    return joined("meeting", MEETING, new String[]{"slt"});
  }

  static Clip story() throws IOException, InterruptedException {
    return joined("story", STORY, new String[]{"rms", "slt"});
  }

  /** Sentences spoken in turn by {@code voices}, joined with pauses of 0.5 to 1.1 s. */
  private static Clip joined(String name, List<String> sentences, String[] voices) throws IOException, InterruptedException {
    List<float[]> parts = new ArrayList<>();
    int total = 0;
    for (int i = 0; i < sentences.size(); i++) {
      byte[] wav = Files.readAllBytes(speak(voices[i % voices.length], sentences.get(i)));
      PcmAudio pcm = WavDecoder.decode(wav, WavDecoder.parse(wav));
      float[] pause = new float[(int) (16000 * (0.5 + 0.1 * ((i * 3) % 7)))];
      parts.add(pcm.samples());
      parts.add(pause);
      total += pcm.samples().length + pause.length;
    }
    float[] all = new float[total];
    int at = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    return new Clip(name, String.join(" ", sentences), WavWriter.pcm16(all, 16000));
  }

  /** flite's 16 kHz WAV of {@code text} in {@code voice}, from the cache when present. */
  static Path speak(String voice, String text) throws IOException, InterruptedException {
    Path out = CACHE.resolve(voice + "-" + digest((voice + "|" + text).getBytes(StandardCharsets.UTF_8)) + ".wav");
    if (!Files.exists(out)) {
      run(List.of("flite", "-voice", voice, "-t", text, "-o", tmp(out).toString()));
      Files.move(tmp(out), out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
    return out;
  }

  /** The clip converted by ffmpeg with {@code args} (e.g. {@code -ar 8000 -c:a pcm_mulaw}), cached. */
  static byte[] convert(Clip clip, String suffix, List<String> args) throws IOException, InterruptedException {
    String source = digest(clip.wav());
    Path out = CACHE.resolve(clip.name() + "-" + digest((source + args).getBytes(StandardCharsets.UTF_8)) + "." + suffix);
    if (!Files.exists(out)) {
      Path in = CACHE.resolve(clip.name() + "-" + source + "-src.wav");
      Files.write(in, clip.wav());
      List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", in.toString()));
      cmd.addAll(args);
      cmd.add(tmp(out).toString());
      run(cmd);
      Files.move(tmp(out), out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
    return Files.readAllBytes(out);
  }

  static byte[] mulaw8k(Clip clip) throws IOException, InterruptedException {
    return convert(clip, "wav", List.of("-ar", "8000", "-ac", "1", "-c:a", "pcm_mulaw"));
  }

  static byte[] stereo44k(Clip clip) throws IOException, InterruptedException {
    return convert(clip, "wav", List.of("-ar", "44100", "-ac", "2", "-c:a", "pcm_s16le"));
  }

  private static Path tmp(Path out) {
    return out.resolveSibling("tmp-" + ProcessHandle.current().pid() + "-" + out.getFileName());
  }

  private static void run(List<String> cmd) throws IOException, InterruptedException {
    Files.createDirectories(CACHE);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(cmd.get(0) + " failed (is it installed? apt-get install flite ffmpeg): " + log);
    }
  }

  /** Cache keys come from the content itself, so a changed clip never meets a stale conversion. */
  private static String digest(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)).substring(0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
