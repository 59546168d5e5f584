package io.switchboard.voice;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.usage.KeyVerifier;
import io.switchboard.voice.auth.CallTokens;
import io.switchboard.voice.auth.TwilioSignature;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;

import java.util.HashMap;
import java.util.Map;

/**
 * {@code POST /v1/voice/twilio/twiml}: Twilio's voice webhook. Checks {@code X-Twilio-Signature} when a Twilio auth
 * token is configured (403 otherwise), and answers the TwiML that connects the call to {@code /v1/voice/twilio}:
 * {@code <Connect><Stream url="wss://.../v1/voice/twilio">}, with a call token bound to the CallSid as a
 * {@code <Parameter>} when the node has a key for Twilio calls ({@code voice.twilio.api_key_env}), so no key is
 * written into TwiML. The public URL is {@code voice.public_url} when set (behind a proxy it must be: Twilio signs
 * the URL it called), else the request's own scheme ({@code X-Forwarded-Proto}) and host.
 */
final class TwimlWebhook {

  private static final System.Logger LOG = System.getLogger(TwimlWebhook.class.getName());

  private final String authToken;
  private final String publicUrl;
  private final String twilioKey;
  private final boolean requireKeys;
  private final CallTokens tokens;
  private final KeyVerifier keys;

  TwimlWebhook(String authToken, String publicUrl, String twilioKey, boolean requireKeys, CallTokens tokens, KeyVerifier keys) {
    this.authToken = authToken;
    this.publicUrl = publicUrl == null || publicUrl.isBlank() ? null : publicUrl.replaceAll("/+$", "");
    this.twilioKey = twilioKey;
    this.requireKeys = requireKeys;
    this.tokens = tokens;
    this.keys = keys;
    if (authToken == null) {
      LOG.log(System.Logger.Level.WARNING, "voice: no Twilio auth token configured; /v1/voice/twilio/twiml does not check X-Twilio-Signature");
    }
  }

  void handle(RoutingContext ctx) {
    MultiMap form = ctx.request().formAttributes();
    Map<String, String> params = new HashMap<>();
    form.forEach(e -> params.put(e.getKey(), e.getValue()));
    String base = publicUrl != null ? publicUrl : scheme(ctx) + "://" + ctx.request().authority().toString();
    if (authToken != null
      && !TwilioSignature.valid(authToken, ctx.request().getHeader("x-twilio-signature"), base + ctx.request().uri(), params)) {
      LOG.log(System.Logger.Level.WARNING, "voice: TwiML webhook refused: X-Twilio-Signature does not match " + base + ctx.request().uri());
      HttpReplies.error(ctx, new MeshException(ErrorCode.PERMISSION, "X-Twilio-Signature does not match this request"));
      return;
    }
    String callSid = params.get("CallSid");
    token(callSid).onComplete(ar -> {
      if (ar.failed()) {
        HttpReplies.error(ctx, MeshException.from(ar.cause()));
        return;
      }
      String stream = base.replaceFirst("^http", "ws") + "/v1/voice/twilio";
      StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Connect><Stream url=\"")
        .append(escape(stream)).append("\">");
      if (ar.result() != null) {
        xml.append("<Parameter name=\"token\" value=\"").append(escape(ar.result())).append("\"/>");
      }
      xml.append("</Stream></Connect></Response>");
      ctx.response().putHeader("content-type", "text/xml; charset=utf-8").end(xml.toString());
    });
  }

  /** A token for this call, null when the node needs none; 503 when keys are required and there is no key for Twilio. */
  private Future<String> token(String callSid) {
    if (twilioKey == null) {
      return requireKeys ? Future.failedFuture(new MeshException(ErrorCode.UNAVAILABLE,
        "calls need an API key, and voice.twilio.api_key_env names no key for Twilio calls")) : Future.succeededFuture();
    }
    return keys.verify(twilioKey).map(k -> {
      var ceiling = k.limits().privacyCeiling();
      return tokens.mint(k.id(), ceiling == null ? null : ceiling.wireName(), callSid, System.currentTimeMillis());
    });
  }

  private static String scheme(RoutingContext ctx) {
    String forwarded = ctx.request().getHeader("x-forwarded-proto");
    return forwarded != null && !forwarded.isBlank() ? forwarded.split(",")[0].trim() : ctx.request().scheme();
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
