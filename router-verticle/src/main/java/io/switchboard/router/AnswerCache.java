package io.switchboard.router;

import io.switchboard.api.ApiKey;
import io.switchboard.api.ArtifactKind;
import io.switchboard.api.ArtifactRefs;
import io.switchboard.api.CacheStatus;
import io.switchboard.api.Capability;
import io.switchboard.api.Headers;
import io.switchboard.api.StreamProtocol;
import io.switchboard.core.artifact.ArtifactTag;
import io.switchboard.core.artifact.Artifacts;
import io.switchboard.core.cache.CacheAudience;
import io.switchboard.core.cache.CacheKey;
import io.switchboard.core.cache.CacheKeys;
import io.switchboard.core.cache.CacheReplay;
import io.switchboard.core.cache.CachedAnswer;
import io.switchboard.core.cache.ExactCache;
import io.switchboard.core.cid.FileDag;
import io.switchboard.router.policy.RoutePlan;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The exact cache and the artifacts on the router's path. After planning, a request that takes part in the cache
 * (its capability's mode, its {@code cache} field, {@code Cache-Control: no-store}, determinism) is looked up under the
 * CID of its canonical form; a hit is answered from the cache ({@link CacheReplay}: whole, or the recorded stream)
 * and accounted as a hit with the cost it saved, never reaching a backend. After a backend's answer, its output CID is
 * computed ({@link AnswerOutputs}), the kinds the conf keeps are stored, and the answer is put in the cache. Without
 * {@link Artifacts} (a router deployed without them) only the CIDs are computed. Owned by the router's event loop.
 */
final class AnswerCache {

  /**
   * What a request brings to the cache, read when it was decoded: its {@code cache} field ({@code true},
   * {@code false} or null), whether the caller said {@code Cache-Control: no-store}, how to make its key, and for a
   * transcription the upload (its DAG, which the web node computes as the upload arrives and may still be finishing,
   * or null to compute here).
   */
  record Input(Object field, boolean noStore, KeyMaker keyMaker, Buffer audio, Future<FileDag> audioDag) {
    static Input of(Object field, boolean noStore, KeyMaker keyMaker) {
      return new Input(field, noStore, keyMaker, null, null);
    }
  }

  /** One capability's canonicaliser ({@link CacheKeys}); {@code audioCid} is null except for a transcription. */
  @FunctionalInterface
  interface KeyMaker {
    CacheKey key(CacheKeys keys, String model, CacheKeys.Asker asker, String audioCid);
  }

  private final Vertx vertx;
  private final Artifacts artifacts;
  private final long creditTimeoutMs;

  /** @param artifacts the node's artifacts and cache; null: CIDs only, no cache, nothing kept */
  AnswerCache(Vertx vertx, Artifacts artifacts, long creditTimeoutMs) {
    this.vertx = vertx;
    this.artifacts = artifacts;
    this.creditTimeoutMs = creditTimeoutMs;
  }

  /**
   * Decides how {@code r} takes part and looks it up: completes with the cached answer {@code r}'s caller may be
   * given, or null (a miss, a bypass, an answer refused by the privacy rule). Never fails: a cache that errs is a miss.
   */
  Future<CachedAnswer> lookup(RoutedRequest r, Input in, ApiKey key, RoutePlan plan) {
    if (in == null) {
      return Future.succeededFuture(); // not a request the cache knows (a realtime session): no status at all
    }
    Future<ArtifactRefs> inputs = inputs(r, in, plan);
    return inputs.compose(refs -> {
      r.inputs(refs);
      ExactCache cache = artifacts == null ? null : artifacts.cache();
      if (cache == null || !cache.settings().wanted(r.capability(), in.field(), in.noStore())) {
        return bypass(r);
      }
      String model = plan.candidates().isEmpty() ? r.model() : plan.candidates().get(0).model();
      CacheKey k = in.keyMaker().key(cache.keys(), model, new CacheKeys.Asker(plan.privacy(), r.keyId()),
        refs.cids().get(ArtifactKind.AUDIO_IN));
      if (k == null) {
        return bypass(r); // not deterministic (a chat without temperature 0 or a seed)
      }
      r.cacheKey(k);
      List<String> providers = key == null ? List.of() : key.limits().allowedProviders();
      List<String> models = key == null ? List.of() : key.limits().allowedModels();
      return cache.lookup(k, new CacheAudience(plan.privacy(), providers, models, r.model(), r.forcedProvider()));
    }).recover(e -> Future.succeededFuture());
  }

  private Future<CachedAnswer> bypass(RoutedRequest r) {
    r.cacheStatus(CacheStatus.BYPASS);
    if (artifacts != null) {
      artifacts.cache().stats().bypass(r.capability());
    }
    return Future.succeededFuture();
  }

  /**
   * The request's input artifacts: a transcription's upload, named by the DAG the web node computed as it arrived or,
   * from a bus caller, computed here on a worker (hashing 25 MB takes some 16 ms). The upload is kept when the conf
   * keeps {@code audio_in}, under the privacy the request runs under, while the request goes on; its answer's last word
   * waits until it is stored.
   */
  private Future<ArtifactRefs> inputs(RoutedRequest r, Input in, RoutePlan plan) {
    if (in.audio() == null) {
      return Future.succeededFuture(ArtifactRefs.NONE);
    }
    Future<FileDag> dag = in.audioDag() != null ? in.audioDag() : vertx.executeBlocking(() -> FileDag.of(in.audio()), false);
    return dag.map(d -> {
      if (artifacts != null) {
        r.inputsKept(artifacts.keep(new ArtifactTag(ArtifactKind.AUDIO_IN, plan.privacy(), r.keyId(), r.requestId()), in.audio(), d));
      }
      return new ArtifactRefs(java.util.Map.of(ArtifactKind.AUDIO_IN, d.root().toString()));
    });
  }

  /**
   * Answers {@code r} from {@code answer}: accounted first (a hit, cost 0, the original's cost saved), then the whole
   * answer or the recorded stream, with the original's backend and artifacts and {@code x-switchboard-cache: hit}. A
   * whole answer goes as its kept JSON bytes to a caller that asks for them ({@link Headers#REPLY_FORM}: the HTTP edge,
   * which writes them as they are), else as a JSON object with the mesh's fields.
   */
  void serve(RoutedRequest r, CachedAnswer answer) {
    r.hit(answer);
    r.firstAnswerNow();
    JsonObject route = r.route().toJson();
    DeliveryOptions options = headers(r, new DeliveryOptions().addHeader(Headers.BACKEND, answer.backend())
      .addHeader(Headers.ROUTE, route.encode()));
    if (!answer.streamed()) {
      Future<Void> accounted = r.served(answer.usage(), answer.audioSeconds());
      Object body = Headers.REPLY_BYTES.equals(r.caller().headers().get(Headers.REPLY_FORM)) ? answer.whole()
        : fields(r, answer.wholeJson()).put(StreamProtocol.ROUTE, route);
      accounted.onComplete(v -> r.caller().reply(body, options));
      return;
    }
    r.streaming();
    CachedAnswer replayed = CachedAnswer.stream(origin(answer), answer.headers(), answer.parts(), fields(r, answer.end().copy()));
    r.served(answer.usage(), -1).onComplete(v -> CacheReplay.serve(r.caller(), replayed, options, route, creditTimeoutMs));
  }

  private static CachedAnswer.Origin origin(CachedAnswer a) {
    return new CachedAnswer.Origin(a.capability(), a.backend(), a.privacy(), a.model(), a.costUsd(), a.usage(), a.artifacts(),
      a.createdMs());
  }

  /** The cache status and artifact CIDs of {@code r} as bus reply headers ({@link Headers#CACHE}, {@link Headers#ARTIFACTS}). */
  static DeliveryOptions headers(RoutedRequest r, DeliveryOptions options) {
    if (r.cacheStatus() != null) {
      options.addHeader(Headers.CACHE, r.cacheStatus().wireName());
    }
    if (!r.artifacts().isEmpty()) {
      options.addHeader(Headers.ARTIFACTS, r.artifacts().toHeader());
    }
    return options;
  }

  /** The {@code cache} and {@code artifacts} fields of a JSON reply (a whole answer, a stream's end message). */
  static JsonObject fields(RoutedRequest r, JsonObject body) {
    if (r.cacheStatus() != null) {
      body.put(CacheStatus.FIELD, r.cacheStatus().wireName());
    }
    if (!r.artifacts().isEmpty()) {
      body.put(ArtifactRefs.FIELD, r.artifacts().toJson());
    }
    return body;
  }

  /** What a backend's answer is kept as, per capability: the kind of its output artifact. */
  static ArtifactKind outputKind(Capability capability) {
    return switch (capability) {
      case TRANSCRIBE -> ArtifactKind.TRANSCRIPT;
      case CHAT -> ArtifactKind.CHAT;
      case EMBED -> ArtifactKind.EMBEDDING;
      case SPEECH -> ArtifactKind.AUDIO_OUT;
      default -> null;
    };
  }

  /** The outputs of one answer: CIDs computed, kept when the conf says so, the answer stored in the cache. */
  AnswerOutputs outputs(RoutedRequest r) {
    return new AnswerOutputs(r, artifacts);
  }

  /** This node's cache, null without one. */
  ExactCache cache() {
    return artifacts == null ? null : artifacts.cache();
  }
}
