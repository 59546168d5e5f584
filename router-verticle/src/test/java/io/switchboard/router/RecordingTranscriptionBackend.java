package io.switchboard.router;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.Health;
import io.switchboard.api.Prices;
import io.switchboard.api.Privacy;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.TranscriptionBackend;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * A real transcription backend that keeps what it was sent (the parameters and the audio) and answers with the
 * audio's length and CRC-32 as its text, so a test can tell the bytes arrived whole without holding them twice.
 */
public final class RecordingTranscriptionBackend implements TranscriptionBackend {

  private final String id;
  private final List<String> models;
  public volatile TranscriptionRequest lastRequest;
  public volatile Buffer lastAudio;

  public RecordingTranscriptionBackend(String id, String... models) {
    this.id = id;
    this.models = List.of(models);
  }

  /** The text this backend answers for {@code audio}. */
  public static String textFor(Buffer audio) {
    CRC32 crc = new CRC32();
    crc.update(audio.getBytes());
    return "bytes=" + audio.length() + " crc=" + Long.toHexString(crc.getValue());
  }

  @Override
  public BackendDescriptor descriptor() {
    return new BackendDescriptor(id, id, "recording", Set.of(Capability.TRANSCRIBE), models, Map.of(), Privacy.LOCAL,
      10, Map.of("*", Prices.FREE), 8, Health.UP, false);
  }

  @Override
  public Future<JsonObject> transcribe(TranscriptionRequest request, Buffer audio, CallContext context) {
    lastRequest = request;
    lastAudio = audio;
    return Future.succeededFuture(new JsonObject().put("text", textFor(audio)).put("language", request.language())
      .put("duration", 1.0).put("segments", new JsonArray()));
  }
}
