package io.switchboard.usage;

import io.switchboard.api.Addresses;
import io.switchboard.api.ApiKey;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.switchboard.core.usage.KeyVerifier;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static io.switchboard.usage.Await.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code update} op on {@link Addresses#KEYS} across a two-node cluster: node A runs the usage verticle, node B
 * only verifies keys (as a router without the store would). The change is a merge patch (named fields replace, null
 * clears, the rest stay); both nodes' verifiers answer with the new limits as soon as update answers, though both had
 * the key cached; bad input is refused naming the field, an unknown key is NOT_FOUND, a revoked one CONFLICT.
 */
class KeyUpdateTest {

  @RegisterExtension
  final KeyCluster nodes = new KeyCluster();

  private Future<JsonObject> ask(JsonObject body) {
    return nodes.b.eventBus().<JsonObject>request(Addresses.KEYS, body).map(Message::body);
  }

  private static MeshException refused(Future<?> f) throws Exception {
    return assertInstanceOf(MeshException.class, Await.failure(f));
  }

  private JsonObject update(String id, JsonObject limits) {
    return new JsonObject().put("op", "update").put("id", id).put("limits", limits);
  }

  @Test
  void aChangeOfLimitsIsAPatchSeenAtOnceByEveryVerifier() throws Exception {
    JsonObject created = result(ask(new JsonObject().put("op", "create").put("name", "agent")
      .put("limits", new JsonObject().put("daily_budget_usd", 5).put("monthly_budget_usd", 50).put("requests_per_minute", 60)
        .put("allowed_models", new JsonArray().add("gpt-4o-mini")))));
    String plaintext = created.getString("api_key");
    String id = created.getJsonObject("key").getString("id");

    KeyVerifier onA = nodes.verifierOnA();
    KeyVerifier onB = nodes.verifierOnB();
    for (KeyVerifier v : List.of(onA, onB, onA, onB)) {
      assertEquals(5.0, result(v.verify(plaintext)).limits().dailyBudgetUsd());
      assertEquals(5.0, result(v.get(id)).limits().dailyBudgetUsd());
    }
    assertEquals(2, nodes.lookupsOnB.get(), "B answers from its cache: one lookup for verify, one for get");

    Promise<String> published = Promise.promise();
    nodes.b.eventBus().<JsonObject>consumer(Addresses.KEYS_UPDATED, m -> published.tryComplete(m.body().getString("id")))
      .completion().await();
    JsonObject answer = result(ask(update(id, new JsonObject().put("daily_budget_usd", 1.5).put("monthly_budget_usd", null)
      .put("privacy", "zdr"))));
    JsonObject limits = answer.getJsonObject("key").getJsonObject("limits");
    assertEquals(1.5, limits.getDouble("daily_budget_usd"));
    assertNull(limits.getValue("monthly_budget_usd"), "null clears a limit");
    assertEquals(60, limits.getInteger("requests_per_minute"), "a limit left out stays");
    assertEquals(new JsonArray().add("gpt-4o-mini"), limits.getJsonArray("allowed_models"));

    // No waiting: update answers only after every verifier in the cluster has dropped its cached copy.
    for (KeyVerifier v : List.of(onA, onB)) {
      ApiKey viaKey = result(v.verify(plaintext));
      ApiKey viaId = result(v.get(id));
      for (ApiKey k : List.of(viaKey, viaId)) {
        assertEquals(1.5, k.limits().dailyBudgetUsd());
        assertNull(k.limits().monthlyBudgetUsd());
        assertEquals(Privacy.ZDR, k.limits().privacyCeiling());
        assertEquals(60, k.limits().requestsPerMinute());
      }
    }
    assertEquals(4, nodes.lookupsOnB.get(), "B looked the changed key up again, once per cache");
    assertEquals(id, result(published.future()));
    assertEquals(1.5, result(ask(new JsonObject().put("op", "get").put("id", id))).getJsonObject("key")
      .getJsonObject("limits").getDouble("daily_budget_usd"), "stored");
    assertEquals(1.5, result(onB.verify(plaintext)).limits().dailyBudgetUsd(), "still valid");

    result(onA.close());
    result(onB.close());
  }

  @Test
  void changesSentTogetherAreAllKept() throws Exception {
    String id = result(ask(new JsonObject().put("op", "create").put("name", "busy"))).getJsonObject("key").getString("id");
    List<String> fields = List.of("daily_budget_usd", "monthly_budget_usd", "requests_per_minute");
    List<Future<JsonObject>> all = fields.stream().map(f -> ask(update(id, new JsonObject().put(f, 7)))).toList();
    Future.all(all).await();
    JsonObject limits = result(ask(new JsonObject().put("op", "get").put("id", id))).getJsonObject("key").getJsonObject("limits");
    for (String f : fields) {
      assertEquals(7, limits.getInteger(f), "each change read the one before it, none was lost: " + limits);
    }
  }

  @Test
  void badUpdatesAreRefusedWithTheFieldNamed() throws Exception {
    String id = result(ask(new JsonObject().put("op", "create").put("name", "x"))).getJsonObject("key").getString("id");

    MeshException e = refused(ask(update("k_missing0000", new JsonObject().put("daily_budget_usd", 1))));
    assertEquals(ErrorCode.NOT_FOUND, e.errorCode());
    assertEquals("id", e.param());
    e = refused(ask(new JsonObject().put("op", "update").put("limits", new JsonObject().put("daily_budget_usd", 1))));
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertEquals("id", e.param());
    e = refused(ask(update(id, new JsonObject().put("daily_budget_usd", -2))));
    assertEquals("daily_budget_usd", e.param());
    e = refused(ask(update(id, new JsonObject().put("requests_per_minute", 2.5))));
    assertEquals("requests_per_minute", e.param());
    // 2^32 narrowed to an int is 0, "no limit": refused, on a change and on a create.
    e = refused(ask(update(id, new JsonObject().put("requests_per_minute", 4_294_967_296L))));
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertEquals("requests_per_minute", e.param());
    e = refused(ask(new JsonObject().put("op", "create").put("name", "huge")
      .put("limits", new JsonObject().put("requests_per_minute", 4_294_967_296L))));
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertEquals("requests_per_minute", e.param());
    e = refused(ask(update(id, new JsonObject().put("monthly_budget_usd", 1e300))));
    assertEquals("monthly_budget_usd", e.param());
    e = refused(ask(update(id, new JsonObject().put("privacy", "secret"))));
    assertEquals("privacy", e.param());
    e = refused(ask(update(id, new JsonObject().put("allowed_models", "gpt-4o"))));
    assertEquals("allowed_models", e.param());
    e = refused(ask(update(id, new JsonObject().put("daily_budget", 3))));
    assertEquals("daily_budget", e.param(), "a misspelt limit is refused, not ignored");
    e = refused(ask(update(id, new JsonObject())));
    assertEquals("limits", e.param());
    e = refused(ask(new JsonObject().put("op", "update").put("id", id).put("limits", 5)));
    assertEquals("limits", e.param());
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    e = refused(ask(new JsonObject().put("op", "create").put("name", "y").put("limits", "cheap")));
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertTrue(e.getMessage().startsWith("malformed key request: "), "a field of another JSON type: " + e.getMessage());
    e = refused(ask(new JsonObject().put("op", "rename").put("id", id)));
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertEquals("op", e.param());
    assertTrue(result(ask(new JsonObject().put("op", "get").put("id", id))).getJsonObject("key").getJsonObject("limits")
      .getValue("daily_budget_usd") == null, "nothing refused changed the key");

    result(ask(new JsonObject().put("op", "revoke").put("id", id)));
    e = refused(ask(update(id, new JsonObject().put("daily_budget_usd", 1))));
    assertEquals(ErrorCode.CONFLICT, e.errorCode(), "a valid change the key's state refuses");
    assertEquals("id", e.param());
    assertTrue(e.getMessage().contains("revoked"), e.getMessage());
  }
}
