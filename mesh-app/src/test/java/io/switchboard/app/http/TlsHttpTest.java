package io.switchboard.app.http;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponse;
import com.openai.core.http.StreamResponse;
import com.openai.models.audio.speech.SpeechCreateParams;
import com.openai.models.audio.transcriptions.TranscriptionCreateParams;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import io.switchboard.app.TestCerts;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * https on the HTTP API ({@code http.tls}, a certificate from a test CA made with openssl): the official OpenAI Java SDK,
 * unchanged but for its base URL and the CA it trusts, makes each kind of call the mesh serves (models, chat whole and
 * streamed, embeddings, speech, transcription); a client that asks for HTTP/2 over ALPN gets it, one that does not gets
 * HTTP/1.1; a client that does not trust the CA is refused by the handshake.
 */
class TlsHttpTest {

  static final String FAKE_KEY = "sk-fake-tls-0123456789abcdef";

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  static final Vertx vertx = vx.get();
  static FakeOpenAiServer upstream;
  static HttpTestNode node;
  static Path ca;
  static OpenAIClient sdk;
  static Path wav;

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    TestCerts certs = new TestCerts(dir.resolve("certs"));
    ca = certs.ca("test-ca");
    TestCerts.Pair server = certs.server("mesh", "test-ca");
    wav = dir.resolve("spoken.wav");
    Files.write(wav, SpokenAudio.flite(dir).getBytes());
    upstream = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS);
    node = HttpTestNode.start(vertx, HttpTestNode.everyKind(upstream), new JsonObject().put("tls", new JsonObject()
      .put("cert_file", server.cert().toString()).put("key_file", server.key().toString())), Map.of("FAKE_KEY", FAKE_KEY));
    X509TrustManager trust = trusting(ca);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, new javax.net.ssl.TrustManager[] {trust}, null);
    sdk = OpenAIOkHttpClient.builder().baseUrl("https://127.0.0.1:" + node.port + "/v1").apiKey("unused-unless-keys-are-required")
      .sslSocketFactory(tls.getSocketFactory()).trustManager(trust).maxRetries(0).build();
  }

  @AfterAll
  static void stop() throws Exception {
    if (sdk != null) {
      sdk.close();
    }
  }

  static X509TrustManager trusting(Path caPem) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(caPem)) {
      store.setCertificateEntry("ca", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    return (X509TrustManager) tmf.getTrustManagers()[0];
  }

  @Test
  void theOfficialSdkMakesEveryKindOfCallOverHttps() throws Exception {
    List<String> models = sdk.models().list().data().stream().map(Model::id).toList();
    assertTrue(models.containsAll(List.of("gpt-4o-mini", "tts-1", "whisper-1")), models.toString());

    ChatCompletionCreateParams chat = ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage("Say hello.").build();
    ChatCompletion whole = sdk.chat().completions().create(chat);
    assertTrue(whole.choices().get(0).message().content().orElse("").length() > 0, whole.toString());

    String streamed;
    try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions().createStreaming(chat)) {
      streamed = stream.stream().flatMap(c -> c.choices().stream()).map(c -> c.delta().content().orElse("")).collect(Collectors.joining());
    }
    assertEquals(whole.choices().get(0).message().content().orElse(""), streamed, "the stream carries the same answer");

    CreateEmbeddingResponse embedding = sdk.embeddings().create(EmbeddingCreateParams.builder().model("text-embedding-3-small")
      .input("hello").build());
    assertTrue(embedding.data().get(0).embedding().size() > 0);

    byte[] speech;
    try (HttpResponse audio = sdk.audio().speech().create(SpeechCreateParams.builder().model("tts-1").input("Hello over TLS.")
      .voice("alloy").responseFormat(SpeechCreateParams.ResponseFormat.WAV).build())) {
      assertEquals(200, audio.statusCode());
      speech = audio.body().readAllBytes();
    }
    assertEquals("RIFF", new String(speech, 0, 4));

    String text = sdk.audio().transcriptions().create(TranscriptionCreateParams.builder().model("whisper-1").file(wav).build())
      .transcription().orElseThrow().text();
    SpokenAudio.assertResembles(text);
  }

  @Test
  void http2WhenTheClientAsksOverAlpnAndHttp11Otherwise() throws Exception {
    for (HttpVersion version : List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1)) {
      var client = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setUseAlpn(version == HttpVersion.HTTP_2)
        .setProtocolVersion(version).setTrustOptions(new PemTrustOptions().addCertPath(ca.toString())));
      try {
        HttpClientResponse res = node.onContext(() -> client.request(HttpMethod.POST, node.port, "127.0.0.1", "/v1/chat/completions")
          .compose(req -> req.putHeader("content-type", "application/json")
            .send(new JsonObject().put("model", "gpt-4o-mini").put("stream", true)
              .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))).toBuffer()))
          .compose(r -> r.body().map(body -> {
            assertTrue(body.toString().contains("data: [DONE]"), body.toString());
            return r;
          }))).await(30, TimeUnit.SECONDS);
        assertEquals(200, res.statusCode());
        assertEquals(version, res.version());
      } finally {
        client.close();
      }
    }
  }

  @Test
  void aClientThatDoesNotTrustTheCaIsRefused() {
    var client = vertx.createHttpClient(new HttpClientOptions().setSsl(true));
    try {
      assertThrows(Exception.class, () -> node.onContext(() -> client.request(HttpMethod.GET, node.port, "127.0.0.1", "/v1/models")
        .compose(req -> req.send()).compose(HttpClientResponse::body)).await(30, TimeUnit.SECONDS));
    } finally {
      client.close();
    }
  }
}
