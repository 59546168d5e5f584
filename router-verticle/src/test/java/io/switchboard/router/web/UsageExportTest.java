package io.switchboard.router.web;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.core.testkit.OnContext;
import io.switchboard.router.MeshFixture;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /api/v1/usage/export} over HTTP against a ledger that answers pages as the usage verticle does: the
 * export asks page after page (each after the last record of the one before), writes them in order as one CSV, stops
 * at the limit, and a ledger that fails after the first page cuts the response instead of ending it.
 */
@ExtendWith(VertxExtension.class)
class UsageExportTest {

  private static final String ADMIN = "admin-token-0123456789";
  private MeshFixture mesh;
  private final List<JsonObject> asked = new CopyOnWriteArrayList<>();
  /** Rows the fake ledger holds; {@code failAfter} pages answered before it fails (-1: never). */
  private int rows;
  private int failAfter = -1;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    MeshExceptionCodec.register(vertx);
    vertx.eventBus().<JsonObject>consumer(Addresses.USAGE_QUERY, m -> {
      JsonObject q = m.body();
      asked.add(q);
      if (failAfter >= 0 && asked.size() > failAfter) {
        m.reply(new MeshException(ErrorCode.UNAVAILABLE, "usage store (duckdb) unavailable"));
        return;
      }
      int size = q.getInteger("page_size");
      int from = q.containsKey("after_id") ? Integer.parseInt(q.getString("after_id").substring(2)) + 1 : 0;
      StringBuilder csv = new StringBuilder(from == 0 ? "request_id,time\r\n" : "");
      int to = Math.min(rows, from + size);
      for (int i = from; i < to; i++) {
        csv.append(String.format("r-%06d,%d\r\n", i, i));
      }
      DeliveryOptions headers = new DeliveryOptions();
      if (to - from == size) {
        headers.addHeader("x-switchboard-next-ms", Integer.toString(to - 1)).addHeader("x-switchboard-next-id", String.format("r-%06d", to - 1));
      }
      m.reply(csv.toString(), headers);
    }).completion().await(5, TimeUnit.SECONDS);
    mesh = new MeshFixture(vertx).web(new JsonObject().put("admin_token", ADMIN));
  }

  private HttpResponse<Buffer> export(String query) throws Exception {
    return OnContext.start(mesh.context, () -> mesh.client.get(mesh.port, "127.0.0.1", "/api/v1/usage/export" + query)
      .bearerTokenAuthentication(ADMIN).send()).await(20, TimeUnit.SECONDS);
  }

  @Test
  void pagesAreAskedInTurnAndWrittenAsOneCsv() throws Exception {
    rows = 25_003;
    HttpResponse<Buffer> res = export("?from=2026-01-01");
    assertEquals(200, res.statusCode());
    assertEquals("text/csv; charset=utf-8", res.getHeader("content-type"));
    String[] lines = res.bodyAsString().split("\r\n");
    assertEquals(25_004, lines.length, "header + every row");
    for (int i = 0; i < rows; i++) {
      assertEquals(String.format("r-%06d,%d", i, i), lines[i + 1]);
    }
    assertEquals(3, asked.size(), "pages of " + UsageExport.PAGE);
    assertEquals("2026-01-01", asked.get(0).getString("from"));
    assertEquals("r-019999", asked.get(2).getString("after_id"));
  }

  @Test
  void theLimitEndsTheExport() throws Exception {
    rows = 50_000;
    String body = export("?limit=12345").bodyAsString();
    assertEquals(12_346, body.split("\r\n").length);
    assertEquals(List.of(10_000, 2_345), asked.stream().map(q -> q.getInteger("page_size")).toList());
    assertEquals(400, export("?limit=0").statusCode());
    assertEquals(400, export("?limit=x").statusCode());
  }

  @Test
  void aFailureBeforeTheFirstPageIsAnErrorAfterItACutResponse() throws Exception {
    rows = 30_000;
    failAfter = 0;
    HttpResponse<Buffer> res = export("");
    assertEquals(503, res.statusCode());
    assertTrue(res.bodyAsString().contains("unavailable"));
    asked.clear();
    failAfter = 1;
    assertThrows(Exception.class, () -> export(""), "an export cut after its first page must not look complete");
  }
}
