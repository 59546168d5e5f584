package io.switchboard.asr;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.TranscriptionRequest;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

/**
 * What every cloud transcription adapter checks before it pays for an upload: that it serves the model asked for
 * (an alias resolved), that there is audio, and that the audio fits what the upstream takes. A refusal here costs
 * nothing and names the field at fault.
 */
public final class Uploads {

  private Uploads() {
  }

  /** The upstream model for {@code request}, or the refusal of an unknown model, an empty or too large file. */
  public static Future<String> accept(BackendDescriptor descriptor, TranscriptionRequest request, Buffer audio, long maxBytes) {
    String id = descriptor.id();
    String model = descriptor.resolveModel(request.model());
    if (model == null) {
      return Future.failedFuture(new MeshException(ErrorCode.MODEL_NOT_FOUND, id + " does not serve model '" + request.model() + "'", "model"));
    }
    if (audio.length() == 0) {
      return Future.failedFuture(MeshException.invalid("file", "the audio file is empty"));
    }
    if (audio.length() > maxBytes) {
      return Future.failedFuture(new MeshException(ErrorCode.PAYLOAD_TOO_LARGE,
        id + " accepts files up to " + maxBytes + " bytes, got " + audio.length(), "file"));
    }
    return Future.succeededFuture(model);
  }
}
