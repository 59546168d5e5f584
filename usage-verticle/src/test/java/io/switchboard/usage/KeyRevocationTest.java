package io.switchboard.usage;

import io.switchboard.api.Addresses;
import io.switchboard.api.ApiKey;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.switchboard.core.usage.KeyVerifier;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static io.switchboard.usage.Await.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keys across a two-node cluster: node A runs the usage verticle, node B only verifies keys (as a router replica
 * without the store would). A revoked key fails verification on both nodes as soon as revoke answers, though
 * both had it cached; verify returns the key's limits.
 */
class KeyRevocationTest {

  @RegisterExtension
  final KeyCluster nodes = new KeyCluster();

  private static MeshException authFailure(KeyVerifier v, String key) throws Exception {
    MeshException e = assertInstanceOf(MeshException.class, Await.failure(v.verify(key)));
    assertEquals(ErrorCode.AUTHENTICATION, e.errorCode());
    assertEquals(401, e.failureCode());
    return e;
  }

  @Test
  void aRevokedKeyFailsAtOnceOnBothNodesAndVerifyReturnsItsLimits() throws Exception {
    JsonObject created = result(nodes.b.eventBus().<JsonObject>request(Addresses.KEYS, new JsonObject().put("op", "create")
      .put("name", "voice agent")
      .put("limits", new JsonObject().put("daily_budget_usd", 5).put("monthly_budget_usd", 50).put("requests_per_minute", 120)
        .put("privacy", "private").put("allowed_providers", new JsonArray().add("local-whisper").add("runpod"))
        .put("allowed_models", new JsonArray().add("whisper-base").add("llama-3.1-8b"))))).body();
    String plaintext = created.getString("api_key");
    String id = created.getJsonObject("key").getString("id");

    KeyVerifier onA = nodes.verifierOnA();
    KeyVerifier onB = nodes.verifierOnB();

    for (KeyVerifier v : List.of(onA, onB, onA, onB)) {
      ApiKey key = result(v.verify(plaintext));
      assertEquals(id, key.id());
      assertEquals(Privacy.PRIVATE, key.limits().privacyCeiling());
      assertEquals(List.of("whisper-base", "llama-3.1-8b"), key.limits().allowedModels());
      assertEquals(List.of("local-whisper", "runpod"), key.limits().allowedProviders());
      assertEquals(5.0, key.limits().dailyBudgetUsd());
      assertEquals(50.0, key.limits().monthlyBudgetUsd());
      assertEquals(120, key.limits().requestsPerMinute());
      assertTrue(key.limits().allowsModel("whisper-base") && !key.limits().allowsModel("gpt-4o"));
    }
    assertEquals(1, nodes.lookupsOnB.get(), "the second verify on B is answered from its cache");
    authFailure(onB, plaintext.substring(0, plaintext.length() - 1) + (plaintext.endsWith("a") ? "b" : "a"));
    authFailure(onA, "sb-nonsense");
    authFailure(onA, "Bearer whatever");

    Promise<String> published = Promise.promise();
    nodes.b.eventBus().<JsonObject>consumer(Addresses.KEYS_REVOKED, m -> published.tryComplete(m.body().getString("id")))
      .completion().toCompletionStage().toCompletableFuture().get();

    JsonObject revoked = result(nodes.b.eventBus().<JsonObject>request(Addresses.KEYS, new JsonObject().put("op", "revoke").put("id", id))).body();
    assertTrue(revoked.getJsonObject("key").getString("revoked_at") != null);
    // No waiting: revoke answers only after every verifier in the cluster has dropped the key.
    assertTrue(authFailure(onB, plaintext).getMessage().contains("revoked"));
    assertTrue(authFailure(onA, plaintext).getMessage().contains("revoked"));
    assertEquals(id, result(published.future()));
    assertEquals(ErrorCode.NOT_FOUND, assertInstanceOf(MeshException.class, Await.failure(onB.get(id))).errorCode());

    result(onA.close());
    result(onB.close());
  }
}
