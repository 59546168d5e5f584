package io.switchboard.core.backend;

import io.switchboard.api.RealtimeRequest;
import io.switchboard.core.realtime.RealtimeUpstream;
import io.vertx.core.Future;

/**
 * A backend that holds speech-to-speech sessions (capability {@code realtime}): one upstream socket per session, whose
 * events the {@link io.switchboard.core.realtime.RealtimeBridge} relays between the bus and the caller.
 */
public interface RealtimeBackend extends Backend {

  /**
   * Opens a session upstream and configures it with {@code request.session()}; completes once it takes client events,
   * or fails with a {@link io.switchboard.api.MeshException} (authentication, rate limit, upstream down...).
   */
  Future<RealtimeUpstream> connect(RealtimeRequest request, CallContext context, RealtimeUpstream.Listener listener);
}
