package io.switchboard.app.voice;

import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What a call test on one node starts from, so that each test class says only what its calls do: the {@link CallRig}
 * (the node's and the callers' Vert.x, closed after each test), the node's data directory, and the two first steps
 * of most tests: a fake chat upstream on the callers' side, and a node with the usual local cascade in front of it.
 * A test class extends it; one whose node needs options (metrics) hands it its own rig.
 */
abstract class CallFixture {

  @TempDir
  Path dir;
  @RegisterExtension
  final CallRig rig;
  /** The node's Vert.x. */
  final Vertx vertx;
  /** The callers' and the fake upstreams' Vert.x. */
  final Vertx client;

  CallFixture() {
    this(new CallRig());
  }

  CallFixture(CallRig rig) {
    this.rig = rig;
    this.vertx = rig.node;
    this.client = rig.client;
  }

  /** A fake OpenAI-compatible chat server, started on the callers' Vert.x. */
  FakeOpenAiServer chatUpstream() throws Exception {
    return FakeOpenAiServer.start(client).await(10, TimeUnit.SECONDS);
  }

  /** A node with {@link VoiceNode#localCascade} in front of {@code chat}, {@code voice} over the test defaults. */
  VoiceNode cascade(FakeOpenAiServer chat, JsonObject voice) throws Exception {
    return VoiceNode.start(vertx, VoiceNode.localCascade(chat), voice, dir);
  }
}
