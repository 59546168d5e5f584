package io.switchboard.router.web;

import io.switchboard.api.ArtifactKind;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.switchboard.core.artifact.ArtifactAccess;
import io.switchboard.core.artifact.ArtifactCar;
import io.switchboard.core.artifact.ArtifactInfo;
import io.switchboard.core.artifact.ArtifactReader;
import io.switchboard.core.artifact.ArtifactStore;
import io.switchboard.core.artifact.Artifacts;
import io.switchboard.core.cid.Cid;
import io.switchboard.router.web.console.AdminAuth;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.function.Supplier;

/**
 * {@code GET /v1/artifacts/{cid}} (the bytes, checked chunk by chunk as they are read; {@code ?format=car} a CARv1
 * export, {@code ?format=info} the artifact's claims) and {@code DELETE /v1/artifacts/{cid}} (the caller's claims; with
 * the admin token the artifact whole). Who may: {@link ArtifactAccess} (the caller's claims, within its key's
 * privacy ceiling capped by the {@code x-switchboard-privacy} header; the admin token everything); anyone else is
 * told 404, as if the artifact did not exist. A deletion reaches every node's cache ({@code ArtifactDeletions}).
 */
final class ArtifactRoutes {

  private final Supplier<Artifacts> artifacts;
  private final KeyAuth auth;
  private final AdminAuth admin;

  /** @param artifacts the node's artifacts (the router's); null inside when the node keeps none */
  ArtifactRoutes(Supplier<Artifacts> artifacts, KeyAuth auth, AdminAuth admin) {
    this.artifacts = artifacts;
    this.auth = auth;
    this.admin = admin;
  }

  void mount(Router router) {
    router.get("/v1/artifacts/:cid").handler(ctx -> withAccess(ctx, this::get));
    router.delete("/v1/artifacts/:cid").handler(ctx -> withAccess(ctx, this::delete));
    router.get("/api/v1/cache").handler(admin::authorize).handler(this::cacheStats);
  }

  /**
   * {@code GET /api/v1/cache} (admin): this node's cache counters per capability and in total (hits, misses, hit rate,
   * saved_usd, ...) and its share of the shared map; {@code {"enabled": false}} on a node without a cache.
   */
  private void cacheStats(RoutingContext ctx) {
    Artifacts a = artifacts.get();
    if (a == null || a.cache() == null) {
      ctx.json(new JsonObject().put("enabled", false));
      return;
    }
    ctx.json(new JsonObject().put("enabled", a.cache().settings().enabled()).put("stats", a.cache().stats().toJson())
      .put("entries", a.cache().ownEntries()).put("bytes", a.cache().ownBytes()));
  }

  @FunctionalInterface
  private interface Handler {
    void handle(RoutingContext ctx, ArtifactStore store, Cid cid, ArtifactAccess access);
  }

  private void withAccess(RoutingContext ctx, Handler handler) {
    Cid cid;
    try {
      cid = Cid.parse(ctx.pathParam("cid"));
    } catch (IllegalArgumentException e) {
      HttpErrors.send(ctx.response(), MeshException.invalid("cid", "not a CID: " + e.getMessage()));
      return;
    }
    Future<ArtifactAccess> access = admin.presentsToken(ctx) ? Future.succeededFuture(ArtifactAccess.ofAdmin())
      : auth.authenticate(ctx).map(v -> keyAccess(ctx));
    access.onComplete(ar -> {
      if (ar.failed()) {
        HttpErrors.send(ctx, ar.cause());
        return;
      }
      Artifacts a = artifacts.get();
      if (a == null || a.store() == null) {
        HttpErrors.send(ctx.response(), notFound(cid));
        return;
      }
      handler.handle(ctx, a.store(), cid, ar.result());
    });
  }

  /** The key's ceiling (none: {@code cloud}), capped by the request's {@code x-switchboard-privacy}. */
  private static ArtifactAccess keyAccess(RoutingContext ctx) {
    String keyCeiling = ctx.get(Headers.KEY_PRIVACY);
    Privacy ceiling = keyCeiling == null ? Privacy.CLOUD : Privacy.parse(keyCeiling);
    String asked = ctx.request().getHeader(Headers.HINT_PRIVACY);
    if (asked != null) {
      try {
        ceiling = ceiling.min(Privacy.parse(asked.trim()));
      } catch (IllegalArgumentException e) {
        throw MeshException.invalid("privacy", e.getMessage());
      }
    }
    return new ArtifactAccess(ctx.get(Headers.KEY_ID), ceiling, false);
  }

  private void get(RoutingContext ctx, ArtifactStore store, Cid cid, ArtifactAccess access) {
    String format = ctx.request().getParam("format", "raw");
    if (!format.equals("raw") && !format.equals("car") && !format.equals("info")) {
      HttpErrors.send(ctx.response(), MeshException.invalid("format", "'format' must be car or info (or absent: the bytes)"));
      return;
    }
    store.info(cid).onComplete(ar -> {
      if (ar.failed()) {
        HttpErrors.send(ctx, ar.cause());
        return;
      }
      ArtifactInfo info = ar.result();
      if (info == null || !access.mayRead(info)) {
        HttpErrors.send(ctx.response(), notFound(cid));
        return;
      }
      if (format.equals("info")) {
        ctx.json(access.visible(info).toJson());
        return;
      }
      store.open(cid).onComplete(opened -> {
        if (opened.failed()) {
          HttpErrors.send(ctx, opened.cause());
          return;
        }
        ArtifactReader reader = format.equals("car") ? ArtifactCar.of(opened.result()) : opened.result();
        HttpServerResponse res = ctx.response()
          .putHeader("content-type", format.equals("car") ? "application/vnd.ipld.car" : contentType(info))
          .putHeader("content-length", Long.toString(reader.length()))
          .putHeader("x-content-type-options", "nosniff");
        res.closeHandler(v -> reader.close());
        reader.pipeTo(res).onFailure(e -> {
          if (!res.headWritten()) {
            HttpErrors.send(res, MeshException.from(e));
          } else {
            res.reset(); // a cut artifact must never look whole
          }
        });
      });
    });
  }

  private void delete(RoutingContext ctx, ArtifactStore store, Cid cid, ArtifactAccess access) {
    store.info(cid).compose(info -> {
      if (info == null || !access.mayDelete(info)) {
        return Future.failedFuture(notFound(cid));
      }
      return access.admin() ? store.delete(cid) : store.deleteClaims(cid, access.keyId());
    }).onComplete(ar -> {
      if (ar.failed()) {
        HttpErrors.send(ctx, ar.cause());
      } else {
        ctx.response().setStatusCode(204).end();
      }
    });
  }

  /** JSON for transcripts and answers, bytes for audio: by the kinds it was stored as. */
  private static String contentType(ArtifactInfo info) {
    boolean audio = info.claims().stream().anyMatch(c -> c.kind() == ArtifactKind.AUDIO_IN || c.kind() == ArtifactKind.AUDIO_OUT);
    return audio || info.claims().isEmpty() ? "application/octet-stream" : "application/json";
  }

  private static MeshException notFound(Cid cid) {
    return new MeshException(ErrorCode.NOT_FOUND, "no artifact " + cid + " for this caller", "cid");
  }
}
