package io.switchboard.router.web.console;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.router.web.HttpErrors;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Set;

/**
 * Who may use the admin API and the admin page, and the record of what they change. Two ways in:
 * <ul>
 *   <li>{@code Authorization: Bearer <admin token>} (scripts; the JSON admin API as before);</li>
 *   <li>the admin page's session cookie ({@value #COOKIE}: HttpOnly, SameSite=Strict, Secure when the request came
 *       over TLS, expiring after {@code admin_session_ttl_ms}), set by logging in with the token
 *       ({@link #login}); every state-changing call with the cookie must carry the session's CSRF token in
 *       {@value #CSRF_HEADER}, else it is refused (403).</li>
 * </ul>
 * The token is compared as SHA-256 digests in constant time, and a login is answered after the same fixed delay
 * ({@code admin_login_delay_ms}) whether the token was right or wrong. Every state-changing call that succeeds is added
 * to the {@link AuditTrail} with who made it (the session's name and id, or "admin token"), what and when.
 * Config (the {@code http} slice): {@code admin_token} (none: the admin API and page are off),
 * {@code admin_session_ttl_ms} (8 h), {@code admin_login_delay_ms} (500).
 */
public final class AdminAuth {

  static final String COOKIE = "switchboard_admin";
  static final String CSRF_HEADER = "x-csrf-token";
  /** The routing context key of the {@link SessionTokens.Session} of a cookie-authenticated call. */
  static final String SESSION = "switchboard.admin.session";
  static final String TOKEN_WHO = "admin token";
  private static final String AUDITED = "switchboard.admin.audited";
  /** POSTs that only read: no audit entry. */
  private static final Set<String> READ_ONLY = Set.of("/api/v1/providers/compare-cost", "/api/v1/providers/plan");
  private static final int MAX_DETAIL_BYTES = 4096;

  private final Vertx vertx;
  private final byte[] tokenDigest;
  private final SessionTokens sessions;
  private final SessionRevocations revocations;
  private final AuditTrail audit;
  private final long sessionTtlMs;
  private final long loginDelayMs;

  private AdminAuth(Vertx vertx, String token, long sessionTtlMs, long loginDelayMs, String node) {
    this.vertx = vertx;
    this.tokenDigest = token == null ? null : sha256(token);
    this.sessions = token == null ? null : new SessionTokens(token);
    this.revocations = new SessionRevocations(vertx);
    this.audit = new AuditTrail(vertx, node);
    this.sessionTtlMs = sessionTtlMs;
    this.loginDelayMs = loginDelayMs;
  }

  /** Reads the {@code http} slice (see the class comment); {@code node} names this node in audit entries. */
  public static AdminAuth fromConfig(Vertx vertx, JsonObject http, String node) {
    String token = http.getString("admin_token");
    long ttl = http.getLong("admin_session_ttl_ms", 8 * 3600_000L);
    long delay = http.getLong("admin_login_delay_ms", 500L);
    if (ttl <= 0 || delay < 0) {
      throw new IllegalArgumentException("http.admin_session_ttl_ms must be positive and http.admin_login_delay_ms not negative");
    }
    return new AdminAuth(vertx, token == null || token.isBlank() ? null : token.trim(), ttl, delay, node);
  }

  public boolean enabled() {
    return tokenDigest != null;
  }

  public Future<Void> start() {
    return enabled() ? revocations.start() : Future.succeededFuture();
  }

  public Future<Void> stop() {
    return revocations.stop();
  }

  AuditTrail audit() {
    return audit;
  }

  /** Lets the call on with the admin token or a live session (and its CSRF token when it changes something). */
  public void authorize(RoutingContext ctx) {
    if (!enabled()) {
      HttpErrors.send(ctx.response(), new MeshException(ErrorCode.NOT_FOUND,
        "the admin API is disabled: no admin token is configured (SWITCHBOARD_ADMIN_TOKEN)"));
      return;
    }
    String header = ctx.request().getHeader("authorization");
    Cookie cookie = ctx.request().getCookie(COOKIE);
    if (header != null || cookie == null) {
      String presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
      if (!tokenMatches(presented)) {
        ctx.response().putHeader("www-authenticate", "Bearer realm=\"switchboard-admin\"");
        HttpErrors.send(ctx.response(), new MeshException(ErrorCode.AUTHENTICATION,
          header == null ? "the admin API needs an 'Authorization: Bearer <admin token>' header" : "invalid admin token"));
        return;
      }
      audited(ctx, TOKEN_WHO);
      ctx.next();
      return;
    }
    long now = System.currentTimeMillis();
    SessionTokens.Session s = sessions.verify(cookie.getValue(), now);
    if (s == null || revocations.isRevoked(s.id(), now)) {
      HttpErrors.send(ctx.response(), new MeshException(ErrorCode.AUTHENTICATION,
        "the admin session has expired or was ended: log in again"));
      return;
    }
    if (changes(ctx.request().method()) && !sessions.csrfMatches(s, ctx.request().getHeader(CSRF_HEADER))) {
      HttpErrors.send(ctx.response(), new MeshException(ErrorCode.PERMISSION,
        "a state-changing call with the admin session cookie needs the session's CSRF token in " + CSRF_HEADER));
      return;
    }
    ctx.put(SESSION, s);
    audited(ctx, s.who());
    ctx.next();
  }

  /** True while {@code s} may still be used: not expired, not logged out. */
  boolean live(SessionTokens.Session s) {
    long now = System.currentTimeMillis();
    return s.expiresAtMs() > now && !revocations.isRevoked(s.id(), now);
  }

  /**
   * {@code POST /admin/api/session} with {@code {"token","name"}}: answers after the fixed delay, right token or not;
   * with the right one, sets the session cookie and returns the session ({@link #describe}).
   */
  void login(RoutingContext ctx) {
    if (!enabled()) {
      authorize(ctx);
      return;
    }
    String type = ctx.request().getHeader("content-type");
    if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      // A cross-site HTML form cannot send JSON: a login is never a form post from another site.
      HttpErrors.send(ctx.response(), new MeshException(ErrorCode.UNSUPPORTED_MEDIA, "the login body must be JSON (application/json)"));
      return;
    }
    JsonObject body;
    try {
      Buffer raw = ctx.body().buffer();
      body = raw == null ? new JsonObject() : raw.toJsonObject();
    } catch (RuntimeException e) {
      HttpErrors.send(ctx.response(), MeshException.invalid(null, "the login body must be a JSON object {\"token\", \"name\"}"));
      return;
    }
    Object token = body.getValue("token");
    boolean right = tokenMatches(token instanceof String t ? t.trim() : "");
    String name = OperatorName.clean(body.getValue("name"));
    vertx.setTimer(Math.max(1, loginDelayMs), t -> {
      if (ctx.response().closed()) {
        return;
      }
      if (!right) {
        HttpErrors.send(ctx.response(), new MeshException(ErrorCode.AUTHENTICATION, "invalid admin token"));
        return;
      }
      SessionTokens.Session s = sessions.issue(name, System.currentTimeMillis(), sessionTtlMs);
      ctx.response().addCookie(Cookie.cookie(COOKIE, sessions.cookie(s)).setPath("/").setHttpOnly(true)
        .setSameSite(CookieSameSite.STRICT).setSecure(ctx.request().isSSL()).setMaxAge(sessionTtlMs / 1000));
      audit.record(s.who(), from(ctx), "login", null, 200);
      ctx.json(describe(s));
    });
  }

  /** {@code DELETE /admin/api/session} (after {@link #authorize}): ends the session everywhere and clears the cookie. */
  void logout(RoutingContext ctx) {
    SessionTokens.Session s = ctx.get(SESSION);
    Future<Void> ended = s == null ? Future.succeededFuture() : revocations.revoke(s.id(), s.expiresAtMs());
    if (s != null) {
      audit.record(s.who(), from(ctx), "logout", null, 200);
    }
    ended.onComplete(ar -> {
      ctx.response().addCookie(Cookie.cookie(COOKIE, "").setPath("/").setHttpOnly(true).setSameSite(CookieSameSite.STRICT)
        .setSecure(ctx.request().isSSL()).setMaxAge(0));
      ctx.json(new JsonObject().put("logged_out", true));
    });
  }

  /**
   * {@code GET /admin/api/session}, open to anyone: whether the caller's cookie holds a live session, and if so who
   * and the CSRF token to send (a page not logged in is told so with a 200, not refused).
   */
  void session(RoutingContext ctx) {
    if (!enabled()) {
      authorize(ctx);
      return;
    }
    Cookie cookie = ctx.request().getCookie(COOKIE);
    long now = System.currentTimeMillis();
    SessionTokens.Session s = cookie == null ? null : sessions.verify(cookie.getValue(), now);
    ctx.response().putHeader("cache-control", "no-store");
    ctx.json(s == null || revocations.isRevoked(s.id(), now) ? new JsonObject().put("authenticated", false) : describe(s));
  }

  private JsonObject describe(SessionTokens.Session s) {
    return new JsonObject().put("authenticated", true).put("name", s.name()).put("session", s.id().substring(0, 6))
      .put("csrf", sessions.csrf(s)).put("expires_at", s.expiresAtMs());
  }

  /** Adds a succeeding state-changing call to the audit list once it is answered. */
  private void audited(RoutingContext ctx, String who) {
    String path = ctx.request().path();
    if (!changes(ctx.request().method()) || READ_ONLY.contains(path) || path.equals("/admin/api/session")
      || ctx.get(AUDITED) != null) {
      return; // (a path may pass two authorizing routes, e.g. /api/v1/keys and /api/v1/keys/*: one entry)
    }
    ctx.put(AUDITED, Boolean.TRUE);
    String action = ctx.request().method().name() + " " + path;
    // When the answer's headers go out, the change is done (or refused): end handlers are not told over HTTP/2.
    ctx.addHeadersEndHandler(v -> {
      int status = ctx.response().getStatusCode();
      if (status < 400) {
        audit.record(who, from(ctx), action, detail(ctx), status);
      }
    });
  }

  /** The call's JSON body for the audit list (the admin API's bodies hold no secrets), or null. */
  private static JsonObject detail(RoutingContext ctx) {
    Buffer raw = ctx.body() == null ? null : ctx.body().buffer();
    if (raw == null || raw.length() == 0 || raw.length() > MAX_DETAIL_BYTES) {
      return null;
    }
    try {
      return raw.toJsonObject();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String from(RoutingContext ctx) {
    return ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress();
  }

  private static boolean changes(HttpMethod method) {
    return !(method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS);
  }

  /**
   * True when the request carries the admin token as its bearer (never a session: the artifact routes are API calls).
   * Routes open to keys and the admin alike ask this instead of {@link #authorize}.
   */
  public boolean presentsToken(RoutingContext ctx) {
    String header = ctx.request().getHeader("authorization");
    return enabled() && header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
      && tokenMatches(header.substring(7).trim());
  }

  private boolean tokenMatches(String presented) {
    return MessageDigest.isEqual(tokenDigest, sha256(presented));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JDK", e);
    }
  }
}
