package io.switchboard.router.web;

import io.switchboard.api.Addresses;
import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.SpeechRequest;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.core.stream.BusStreams;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code POST /v1/audio/transcriptions} (OpenAI's multipart form, the file kept in memory once, bounded by the
 * upload limit) and {@code POST /v1/audio/speech} (audio written to the client as it arrives).
 */
final class AudioRoutes {

  private final Vertx vertx;
  private final long uploadLimit;
  private final long idleTimeoutMs;
  private final KeyAuth auth;
  private final EdgeRecords edge;

  AudioRoutes(Vertx vertx, long uploadLimit, long idleTimeoutMs, KeyAuth auth, EdgeRecords edge) {
    this.vertx = vertx;
    this.uploadLimit = uploadLimit;
    this.idleTimeoutMs = idleTimeoutMs;
    this.auth = auth;
    this.edge = edge;
  }

  void transcriptions(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String contentType = req.getHeader("content-type");
    if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
      edge.refuse(ctx, Capability.TRANSCRIBE, new MeshException(ErrorCode.UNSUPPORTED_MEDIA,
        "Content-Type must be multipart/form-data with a 'file' field"));
      return;
    }
    req.setExpectMultipart(true);
    Buffer file = Buffer.buffer();
    String[] fileMeta = new String[2];
    List<String> otherFiles = new ArrayList<>();
    boolean[] tooLarge = {false};
    int[] fileParts = {0};
    req.uploadHandler(upload -> {
      if (!"file".equals(upload.name())) {
        otherFiles.add(upload.name());
        upload.handler(b -> { });
        return;
      }
      if (++fileParts[0] > 1) {
        upload.handler(b -> { }); // drained, never appended: two files must not become one audio stream
        return;
      }
      fileMeta[0] = upload.filename();
      fileMeta[1] = upload.contentType();
      upload.handler(chunk -> {
        if (tooLarge[0]) {
          return;
        }
        if (file.length() + chunk.length() > uploadLimit) {
          tooLarge[0] = true;
          edge.refuse(ctx, Capability.TRANSCRIBE, new MeshException(ErrorCode.PAYLOAD_TOO_LARGE,
            "audio file exceeds the upload limit of " + uploadLimit + " bytes", "file"));
          return;
        }
        file.appendBuffer(chunk);
      });
    });
    req.exceptionHandler(err -> HttpErrors.send(ctx.response(), MeshException.invalid("file", "malformed multipart body")));
    req.endHandler(v -> {
      if (tooLarge[0] || ctx.response().ended()) {
        return;
      }
      if (fileParts[0] > 1) {
        edge.refuse(ctx, Capability.TRANSCRIBE, MeshException.invalid("file", "exactly one 'file' part is expected, got " + fileParts[0]));
        return;
      }
      auth.authenticate(ctx).onComplete(authenticated -> {
        if (authenticated.failed()) {
          edge.refuse(ctx, Capability.TRANSCRIBE, authenticated.cause());
        } else {
          send(ctx, file, fileMeta, otherFiles);
        }
      });
    });
  }

  /** The whole upload is in: validates the form and sends the audio to the router. */
  private void send(RoutingContext ctx, Buffer file, String[] fileMeta, List<String> otherFiles) {
    HttpServerRequest req = ctx.request();
    try {
      JsonObject params = new JsonObject();
      req.formAttributes().forEach(e -> params.put(e.getKey(), e.getValue()));
      if (fileMeta[0] == null && file.length() == 0) {
        throw MeshException.invalid("file", "'file' is required" + (otherFiles.isEmpty() ? "" : " (got file field(s): " + String.join(", ", otherFiles) + ")"));
      }
      if (file.length() == 0) {
        throw MeshException.invalid("file", "the uploaded file is empty");
      }
      params.put("filename", fileMeta[0]);
      if (fileMeta[1] != null) {
        params.put("content_type", fileMeta[1]);
      }
      PolicyHeaders.mergeInto(req.headers(), params);
      coerceNumbers(params);
      TranscriptionRequest request = TranscriptionRequest.fromJson(params);
      DeliveryOptions options = WebVerticle.busOptions(ctx)
        .addHeader(TranscriptionRequest.PARAMS_HEADER, request.toJson().encode());
      vertx.eventBus().<Object>request(Addresses.TRANSCRIBE, file, options).onComplete(ar -> {
        if (ar.failed()) {
          HttpErrors.send(ctx, ar.cause());
          return;
        }
        JsonObject verbose = (JsonObject) ar.result().body();
        WebVerticle.routeHeaders(ctx.response(), ar.result());
        TranscriptFormats.Rendered r = TranscriptFormats.render(verbose, request.responseFormat());
        ctx.response().putHeader("content-type", r.contentType()).end(r.body());
      });
    } catch (RuntimeException e) {
      edge.refuse(ctx, Capability.TRANSCRIBE, e);
    }
  }

  /** Form fields arrive as strings; hints that are numbers in JSON are converted back. */
  private static void coerceNumbers(JsonObject params) {
    for (String field : List.of("max_cost", "timeout_ms")) {
      Object v = params.getValue(field);
      if (v instanceof String s) {
        try {
          double d = Double.parseDouble(s);
          params.put(field, field.equals("timeout_ms") ? (Object) (long) d : (Object) d);
        } catch (NumberFormatException e) {
          throw MeshException.invalid(field, "'" + field + "' must be a number");
        }
      }
    }
  }

  void speech(RoutingContext ctx, JsonObject body) {
    SpeechRequest request = SpeechRequest.fromJson(body);
    vertx.eventBus().<Object>request(Addresses.SPEECH, body, WebVerticle.busOptions(ctx)).onComplete(ar -> {
      if (ar.failed()) {
        HttpErrors.send(ctx, ar.cause());
        return;
      }
      HttpServerResponse res = ctx.response();
      WebVerticle.routeHeaders(res, ar.result());
      res.putHeader("content-type", contentType(request.responseFormat())).setChunked(true);
      new AudioStreamWriter(res, idleTimeoutMs).start(ar.result());
    });
  }

  static String contentType(String format) {
    return switch (format) {
      case "mp3" -> "audio/mpeg";
      case "wav" -> "audio/wav";
      case "pcm" -> "audio/pcm";
      case "opus" -> "audio/ogg";
      case "aac" -> "audio/aac";
      case "flac" -> "audio/flac";
      case "ulaw" -> "audio/basic";
      default -> "application/octet-stream";
    };
  }

  /** Writes audio buffers as they come off the bus; an error after the first byte cuts the response. */
  private static final class AudioStreamWriter {
    private final HttpServerResponse res;
    private final long idleTimeoutMs;
    private boolean closed;

    AudioStreamWriter(HttpServerResponse res, long idleTimeoutMs) {
      this.res = res;
      this.idleTimeoutMs = idleTimeoutMs;
    }

    void start(Message<Object> first) {
      res.closeHandler(v -> closed = true);
      onMessage(first);
    }

    private void onMessage(Message<Object> msg) {
      if (closed) {
        if (!BusStreams.isEnd(msg)) {
          BusStreams.cancel(msg);
        }
        return;
      }
      Object body = msg.body();
      Buffer audio = body instanceof Buffer b ? b
        : body instanceof JsonObject j && j.getValue("audio") != null ? j.getBuffer("audio") : Buffer.buffer();
      if (BusStreams.isEnd(msg)) {
        res.end(audio);
        return;
      }
      res.write(audio);
      if (res.writeQueueFull()) {
        res.drainHandler(v -> pull(msg));
      } else {
        pull(msg);
      }
    }

    private void pull(Message<Object> msg) {
      BusStreams.next(msg, idleTimeoutMs).onComplete(ar -> {
        if (ar.succeeded()) {
          onMessage(ar.result());
        } else if (!closed) {
          // Headers are gone: the only honest signal left is a response that does not end cleanly.
          res.reset();
        }
      });
    }
  }
}
