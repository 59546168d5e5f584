package io.switchboard.router.web;

import io.switchboard.api.Addresses;
import io.switchboard.api.AudioCodec;
import io.switchboard.api.CacheStatus;
import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.SpeechRequest;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.core.cid.FileDag;
import io.switchboard.router.UploadDags;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.List;
import java.util.Locale;

/**
 * {@code POST /v1/audio/transcriptions} (OpenAI's multipart form read as it streams in by {@link MultipartReader}:
 * the file is held once, mostly as the very pieces Vert.x handed over, bounded by the upload limit, and goes on the
 * bus without being copied) and
 * {@code POST /v1/audio/speech} (audio written to the client as it arrives).
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

  void mount(Router router, BodyHandler body, JsonRequests json) {
    router.post("/v1/audio/speech").handler(body).handler(json.of(Capability.SPEECH, this::speech));
    router.post("/v1/audio/transcriptions").handler(this::transcriptions);
  }

  private void transcriptions(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String contentType = req.getHeader("content-type");
    if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
      refuseUnread(ctx, new MeshException(ErrorCode.UNSUPPORTED_MEDIA, "Content-Type must be multipart/form-data with a 'file' field"));
      return;
    }
    String boundary = PartHeaders.boundary(contentType);
    if (boundary == null) {
      refuseUnread(ctx, MeshException.invalid("file", "Content-Type multipart/form-data needs a boundary parameter"));
      return;
    }
    MultipartReader form = new MultipartReader(vertx, boundary, uploadLimit);
    boolean[] refused = {false};
    req.handler(chunk -> {
      if (refused[0]) {
        return; // already answered: the rest of the body is read past, never kept
      }
      try {
        form.feed(chunk);
      } catch (MeshException e) {
        refused[0] = true;
        edge.refuse(ctx, Capability.TRANSCRIBE, e);
      }
    });
    req.exceptionHandler(err -> {
      refused[0] = true;
      HttpErrors.send(ctx.response(), MeshException.invalid("file", "malformed multipart body"));
    });
    req.endHandler(v -> {
      if (refused[0] || ctx.response().ended()) {
        return;
      }
      try {
        form.end();
        if (form.fileParts() > 1) {
          throw MeshException.invalid("file", "exactly one 'file' part is expected, got " + form.fileParts());
        }
      } catch (MeshException e) {
        edge.refuse(ctx, Capability.TRANSCRIBE, e);
        return;
      }
      // The key is checked, and the request routed, while the file's last steps are hashed: the router waits for the
      // CID only where the cache key needs it (UploadDags).
      Future<FileDag> dag = form.fileDag();
      auth.authenticate(ctx).onComplete(authenticated -> {
        if (authenticated.failed()) {
          edge.refuse(ctx, Capability.TRANSCRIBE, authenticated.cause());
        } else {
          send(ctx, form, dag);
        }
      });
    });
    if ("100-continue".equalsIgnoreCase(req.getHeader("expect"))) {
      req.response().writeContinue();
    }
  }

  /** Refuses before reading the body: the body is still read past (not kept), so the connection stays usable. */
  private void refuseUnread(RoutingContext ctx, MeshException e) {
    ctx.request().handler(chunk -> { });
    edge.refuse(ctx, Capability.TRANSCRIBE, e);
  }

  /**
   * The whole upload is in: validates the form and sends the audio to the router with {@link AudioCodec}, so the
   * router and a backend in this JVM read these same bytes rather than copies.
   */
  private void send(RoutingContext ctx, MultipartReader form, Future<FileDag> fileDag) {
    HttpServerRequest req = ctx.request();
    try {
      JsonObject params = new JsonObject();
      form.fields().forEach(params::put);
      PartHeaders part = form.filePart();
      if (part == null) {
        throw MeshException.invalid("file", "'file' is required" + (form.otherFiles().isEmpty() ? ""
          : " (got file field(s): " + String.join(", ", form.otherFiles()) + ")"));
      }
      Buffer file = form.file();
      if (file.length() == 0) {
        throw MeshException.invalid("file", "the uploaded file is empty");
      }
      params.put("filename", part.filename());
      if (part.contentType() != null) {
        params.put("content_type", part.contentType());
      }
      PolicyHeaders.mergeInto(req.headers(), params);
      coerceNumbers(params);
      TranscriptionRequest request = TranscriptionRequest.fromJson(params);
      JsonObject forRouter = request.toJson();
      Object cache = cacheField(params);
      if (cache != null) {
        forRouter.put(CacheStatus.REQUEST_FIELD, cache);
      }
      // The DAG hashed as the upload arrived (its last steps perhaps still hashing) goes to this node's router, which
      // needs its CID (UploadDags).
      String token = UploadDags.leave(vertx, fileDag);
      DeliveryOptions options = AudioCodec.options(RouterBus.wholeAsBytes(ctx))
        .addHeader(TranscriptionRequest.PARAMS_HEADER, forRouter.encode())
        .addHeader(Headers.UPLOAD_TOKEN, token);
      vertx.eventBus().<Object>request(Addresses.TRANSCRIBE, file, options).onComplete(ar -> {
        UploadDags.drop(vertx, token);
        if (ar.failed()) {
          HttpErrors.send(ctx, ar.cause());
          return;
        }
        JsonObject verbose = RouterBus.json(ar.result().body());
        RouterBus.routeHeaders(ctx.response(), ar.result());
        TranscriptFormats.Rendered r = TranscriptFormats.render(verbose, request.responseFormat());
        ctx.response().putHeader("content-type", r.contentType()).end(r.body());
      });
    } catch (RuntimeException e) {
      edge.refuse(ctx, Capability.TRANSCRIBE, e);
    }
  }

  /** The form's {@code cache} field ({@code true}/{@code false}), null when absent; anything else is refused. */
  private static Object cacheField(JsonObject params) {
    Object v = params.getValue(CacheStatus.REQUEST_FIELD);
    if (v == null || v instanceof Boolean) {
      return v;
    }
    return switch (String.valueOf(v).trim().toLowerCase(Locale.ROOT)) {
      case "true" -> Boolean.TRUE;
      case "false" -> Boolean.FALSE;
      default -> throw MeshException.invalid(CacheStatus.REQUEST_FIELD, "'cache' must be true or false");
    };
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

  private void speech(RoutingContext ctx, JsonObject body) {
    SpeechRequest request = SpeechRequest.fromJson(body);
    vertx.eventBus().<Object>request(Addresses.SPEECH, body, RouterBus.options(ctx)).onComplete(ar -> {
      if (ar.failed()) {
        HttpErrors.send(ctx, ar.cause());
        return;
      }
      HttpServerResponse res = ctx.response();
      RouterBus.routeHeaders(res, ar.result());
      res.putHeader("content-type", contentType(request.responseFormat())).setChunked(true)
        .putHeader(RouterBus.TRAILER, Headers.ARTIFACTS);
      new SpeechStreamWriter(res, idleTimeoutMs).start(ar.result());
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
}
