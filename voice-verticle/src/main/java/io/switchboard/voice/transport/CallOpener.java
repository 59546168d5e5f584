package io.switchboard.voice.transport;

import io.switchboard.voice.call.Call;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Opens a call once its transport knows the call's parameters (Twilio's {@code start}, the plain socket's first
 * message): checks the API key or token, builds the call's options and session, counts it on the node. Fails with
 * a {@code MeshException} (401 for a missing or bad key, 400 for bad parameters) that the transport reports and
 * closes the socket on.
 */
public interface CallOpener {

  /**
   * @param params     the call's parameters ({@code model}, {@code voice}, {@code privacy}, ..., {@code api_key}, {@code token})
   * @param headerKey  an API key from the upgrade request's headers, or null
   * @param boundTo    what a token must be bound to (Twilio's CallSid), or null
   */
  Future<Call> open(CallTransport transport, JsonObject params, String headerKey, String boundTo);
}
