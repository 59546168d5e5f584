package io.switchboard.core.testkit.speech;

import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.FakeUpstream;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * What the kit's cloud speech fakes share: routes on a {@link FakeUpstream}, every request recorded as it came
 * ({@code S}), and the reply the test scripted for the next ones ({@link #reply}; a 500 until it scripts one).
 *
 * @param <S> what the fake records of one request
 * @param <F> the fake itself, so that {@link #reply} chains
 */
public abstract class ScriptedApi<S, F extends ScriptedApi<S, F>> implements AutoCloseable {

  private final String what;
  private FakeUpstream server;
  private final BlockingQueue<S> seen = new LinkedBlockingQueue<>();
  private volatile Consumer<RoutingContext> reply = ctx -> ctx.response().setStatusCode(500).end("no reply scripted");

  /** @param what a request to this fake, as a failed wait for one names it */
  protected ScriptedApi(String what) {
    this.what = what;
  }

  /** Starts the server with the fake's {@code routes}: called once, by the fake's constructor. */
  protected final void listen(Vertx vertx, Consumer<Router> routes) {
    server = FakeUpstream.start(vertx, routes);
  }

  /** The base URL an adapter is configured with, e.g. {@code url("/v1")} for OpenAI's API. */
  public String url(String path) {
    return server.url(path);
  }

  public int port() {
    return server.port();
  }

  /** How the next requests are answered. */
  @SuppressWarnings("unchecked")
  public F reply(Consumer<RoutingContext> reply) {
    this.reply = reply;
    return (F) this;
  }

  /** The next request the fake saw, waiting for it (bounded). */
  public S next() {
    return Await.next(seen, what);
  }

  /** True when no request came since the last {@link #forget}. */
  public boolean sawNothing() {
    return seen.isEmpty();
  }

  /** Forgets what it saw. */
  public void forget() {
    seen.clear();
  }

  /** Records {@code request} and answers {@code ctx} as scripted. */
  protected void answer(S request, RoutingContext ctx) {
    seen.add(request);
    reply.accept(ctx);
  }

  @Override
  public void close() {
    server.close();
  }
}
