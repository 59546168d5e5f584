package io.switchboard.router.web.console;

import io.switchboard.core.testkit.OnContext;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Over TLS the session cookie is Secure. The flag follows the request ({@code isSSL()}), so it holds however the server
 * is given its certificate; here the admin page's routes are mounted on a TLS server of the test's own.
 */
@ExtendWith(VertxExtension.class)
class ConsoleTlsTest {

  @Test
  void theSessionCookieIsSecureOverTls(Vertx vertx) throws Exception {
    SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
    AdminAuth auth = AdminAuth.fromConfig(vertx, new JsonObject().put("admin_token", "tls-token").put("admin_login_delay_ms", 1), "tls-node");
    ConsoleRoutes console = new ConsoleRoutes(vertx, auth, "tls-node");
    Router router = Router.router(vertx);
    console.mount(router, BodyHandler.create(false));
    console.start().await(10, TimeUnit.SECONDS);
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setKeyCertOptions(cert.keyCertOptions()))
      .requestHandler(router).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    WebClient client = WebClient.create(vertx, new WebClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
    HttpResponse<Buffer> res = OnContext.start(vertx.getOrCreateContext(), () -> client.post(server.actualPort(), "127.0.0.1", "/admin/api/session")
      .putHeader("content-type", "application/json").sendJsonObject(new JsonObject().put("token", "tls-token"))).await(10, TimeUnit.SECONDS);
    assertEquals(200, res.statusCode(), res.bodyAsString());
    String set = res.cookies().get(0);
    assertTrue(set.contains("; Secure"), set);
    console.stop().await(10, TimeUnit.SECONDS);
  }
}
