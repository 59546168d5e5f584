package io.switchboard.app;

import io.switchboard.core.backend.BackendProvider;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.switchboard.app.KustomizeLite.name;
import static io.switchboard.app.KustomizeLite.podSpec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks k8s/ without a cluster: each kustomization lists exactly the files beside it; the base and the example
 * overlay, rendered, hold together (labels and selectors of Services, disruption budgets and the HPA, probes on the
 * ports the node really opens, optional secret references for every key a pod's backends name, grace periods equal
 * to the drain timeouts plus the close margin, every pod in the Hazelcast headless service); the conf in the
 * ConfigMap names real backend types; every pod carries Prometheus's scrape annotations for the port serving /metrics; the
 * Dockerfile runs the jar with the project's JVM flags and the launcher's memory flags.
 */
class K8sManifestsTest {

  static final Path ROOT = MeshProcess.projectDir();
  static final Path K8S = ROOT.resolve("k8s");
  static final List<String> KEYS = List.of("OPENAI_API_KEY", "OPENROUTER_API_KEY", "ANTHROPIC_API_KEY", "ELEVENLABS_API_KEY",
    "RUNPOD_API_KEY", "HF_TOKEN", "GEMINI_API_KEY", "SWITCHBOARD_ADMIN_TOKEN");

  @Test
  void eachKustomizationListsExactlyTheFilesBesideIt() throws IOException {
    for (Path dir : List.of(K8S.resolve("base"), K8S.resolve("overlays/example"))) {
      Map<String, Object> k = KustomizeLite.yamlMap(dir.resolve("kustomization.yaml"));
      Set<String> listed = new TreeSet<>();
      for (String r : strings(k.get("resources"))) {
        if (!Files.isDirectory(dir.resolve(r))) {
          listed.add(r);
        }
      }
      list(k.get("patches")).forEach(p -> listed.add((String) p.get("path")));
      list(k.get("configMapGenerator")).forEach(g -> listed.addAll(strings(g.get("files"))));
      Set<String> present;
      try (Stream<Path> files = Files.list(dir)) {
        present = files.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".yaml") && !f.equals("kustomization.yaml"))
          .collect(Collectors.toCollection(TreeSet::new));
      }
      assertEquals(present, listed, dir + ": listed files vs files present");
    }
  }

  @Test
  void theBaseHoldsTogether() throws IOException {
    validate(KustomizeLite.render(K8S.resolve("base")));
  }

  @Test
  void theExampleOverlayHoldsTogether() throws IOException {
    List<Map<String, Object>> objects = KustomizeLite.render(K8S.resolve("overlays/example"));
    validate(objects);
    for (Map<String, Object> o : objects) {
      if (!"Namespace".equals(o.get("kind"))) {
        assertEquals("switchboard", KustomizeLite.metadata(o).get("namespace"), name(o));
      }
    }
    assertTrue(objects.stream().noneMatch(o -> "PersistentVolumeClaim".equals(o.get("kind"))), "the overlay drops the shared claim");
    for (String d : List.of("switchboard-asr-whisper", "switchboard-llm-jlama", "switchboard-voice")) {
      Map<String, Object> models = list(podSpec(KustomizeLite.find(objects, "Deployment", d)).get("volumes")).stream()
        .filter(v -> v.get("name").equals("models")).findFirst().orElseThrow();
      assertNull(models.get("persistentVolumeClaim"), d);
      assertEquals("/var/lib/switchboard/models", map(models.get("hostPath")).get("path"), d);
    }
    KustomizeLite.containers(objects).forEach(c -> assertEquals("registry.example.com/switchboard:0.1.0", c.get("image")));
  }

  @Test
  void theDockerfileRunsTheJarWithTheProjectsFlags() throws IOException {
    String docker = Files.readString(K8S.resolve("Dockerfile"));
    assertTrue(docker.contains("FROM eclipse-temurin:21-jre"), docker);
    assertTrue(docker.contains("COPY mesh-app/target/mesh-app.jar") && docker.contains("COPY mesh-app/target/lib/"), docker);
    assertTrue(docker.contains("COPY conf/") && docker.contains("COPY cluster.xml"), docker);
    Matcher pom = Pattern.compile("<switchboard.jvm.flags>(.*)</switchboard.jvm.flags>").matcher(Files.readString(ROOT.resolve("pom.xml")));
    assertTrue(pom.find());
    Matcher image = Pattern.compile("SWITCHBOARD_JVM_FLAGS=\"([^\"]*)\"").matcher(docker);
    assertTrue(image.find(), docker);
    assertEquals(pom.group(1).trim(), image.group(1).trim(), "the image's JVM flags are the parent pom's");
    assertTrue(docker.contains("exec java $SWITCHBOARD_JVM_FLAGS $SWITCHBOARD_JVM_MEMORY"), "java is PID 1 and receives SIGTERM");
    Matcher launcher = Pattern.compile("\\$\\{SWITCHBOARD_JVM_MEMORY-([^}]*)}").matcher(Files.readString(ROOT.resolve("mesh")));
    assertTrue(launcher.find(), "the launcher's default memory flags");
    Matcher memory = Pattern.compile("SWITCHBOARD_JVM_MEMORY=\"([^\"]*)\"").matcher(docker);
    assertTrue(memory.find(), docker);
    assertEquals(launcher.group(1).trim(), memory.group(1).trim(), "the image's memory flags are the launcher's");
    Matcher allocator = Pattern.compile("\\$\\{DUCKDB_JE_MALLOC_CONF-([^}]*)}").matcher(Files.readString(ROOT.resolve("mesh")));
    assertTrue(allocator.find(), "the launcher's default for DuckDB's allocator");
    assertTrue(docker.contains("ENV DUCKDB_JE_MALLOC_CONF=\"" + allocator.group(1) + "\""), "the image's allocator setting is the launcher's");
  }

  // ---- the checks

  private static void validate(List<Map<String, Object>> objects) throws IOException {
    Map<String, Object> conf = conf(objects);
    Set<String> providerTypes = new HashSet<>();
    ServiceLoader.load(BackendProvider.class).forEach(p -> providerTypes.add(p.type()));
    Map<String, Map<String, Object>> backends = backendsOf(conf);
    backends.forEach((id, b) -> assertTrue(providerTypes.contains((String) b.get("type")), id + ": no provider for type " + b.get("type")));
    Map<String, Map<String, Object>> defaults = backendsOf(new Yaml().load(Files.readString(ROOT.resolve("conf/switchboard.yaml"))));
    backends.forEach((id, b) -> {
      if (defaults.containsKey(id)) {
        assertEquals(defaults.get(id).get("type"), b.get("type"), id + " has another type in conf/switchboard.yaml");
      }
    });

    List<Map<String, Object>> deployments = ofKind(objects, "Deployment");
    assertEquals(6, deployments.size(), "router, whisper, jlama, cloud, local tts, voice");
    Map<String, Object> headless = ofKind(objects, "Service").stream().filter(s -> "None".equals(map(s.get("spec")).get("clusterIP")))
      .findFirst().orElseThrow(() -> new AssertionError("no headless service for Hazelcast discovery"));
    Map<String, Object> headlessSpec = map(headless.get("spec"));
    assertEquals(Boolean.TRUE, headlessSpec.get("publishNotReadyAddresses"), "pods must find each other before they are ready");
    assertTrue(list(headlessSpec.get("ports")).stream().anyMatch(p -> Objects.equals(5701, p.get("port"))));
    Set<String> secretKeys = new HashSet<>();
    for (Map<String, Object> d : deployments) {
      assertTrue(selects(map(headlessSpec.get("selector")), d), name(d) + " is not in the headless service");
      secretKeys.addAll(validateDeployment(d, objects, conf, backends));
    }
    assertTrue(secretKeys.containsAll(KEYS), "every key has a secret reference somewhere: missing " + KEYS.stream().filter(k -> !secretKeys.contains(k)).toList());

    for (Map<String, Object> s : ofKind(objects, "Service")) {
      Map<String, Object> spec = map(s.get("spec"));
      List<Map<String, Object>> targets = deployments.stream().filter(d -> selects(map(spec.get("selector")), d)).toList();
      assertFalse(targets.isEmpty(), "service " + name(s) + " selects no pod");
      for (Map<String, Object> port : list(spec.get("ports"))) {
        for (Map<String, Object> d : targets) {
          assertTrue(hasPort(container(d), port.get("targetPort")), name(s) + " targets port " + port.get("targetPort") + " that " + name(d) + " lacks");
        }
      }
    }
    for (Map<String, Object> d : deployments) {
      long budgets = ofKind(objects, "PodDisruptionBudget").stream().filter(p -> selects(map(map(map(p.get("spec")).get("selector")).get("matchLabels")), d)).count();
      assertEquals(1, budgets, name(d) + " is covered by exactly one disruption budget");
    }
    for (Map<String, Object> p : ofKind(objects, "PodDisruptionBudget")) {
      assertEquals(1, deployments.stream().filter(d -> selects(map(map(map(p.get("spec")).get("selector")).get("matchLabels")), d)).count(),
        "budget " + name(p) + " selects one kind of pod");
    }
    List<Map<String, Object>> hpas = ofKind(objects, "HorizontalPodAutoscaler");
    assertEquals(2, hpas.size(), "the router's and the voice pods'");
    Set<String> scaledRoles = new TreeSet<>();
    for (Map<String, Object> h : hpas) {
      Map<String, Object> hpa = map(h.get("spec"));
      Map<String, Object> scaled = KustomizeLite.find(objects, "Deployment", (String) map(hpa.get("scaleTargetRef")).get("name"));
      scaledRoles.add(role(container(scaled)));
      assertNull(map(scaled.get("spec")).get("replicas"), "the HPA owns " + name(scaled) + "'s replica count");
      assertTrue((Integer) hpa.get("minReplicas") >= 2 && (Integer) hpa.get("minReplicas") <= (Integer) hpa.get("maxReplicas"));
      if (role(container(scaled)).equals("voice")) {
        Map<String, Object> calls = list(hpa.get("metrics")).stream().filter(m -> "Pods".equals(m.get("type"))).findFirst()
          .orElseThrow(() -> new AssertionError("the voice HPA scales on calls"));
        assertEquals("switchboard_voice_calls_active", map(map(calls.get("pods")).get("metric")).get("name"),
          "the gauge the voice node exports (VoiceMetrics)");
      }
    }
    assertEquals(Set.of("router", "voice"), scaledRoles);

    Map<String, Object> policy = map(ofKind(objects, "NetworkPolicy").get(0).get("spec"));
    deployments.forEach(d -> assertTrue(selects(map(map(policy.get("podSelector")).get("matchLabels")), d), name(d) + " is under the network policy"));
    for (Map<String, Object> d : deployments) {
      Object scraped = Integer.valueOf((String) map(map(map(map(d.get("spec")).get("template")).get("metadata")).get("annotations"))
        .get("prometheus.io/port"));
      assertTrue(list(policy.get("ingress")).stream().anyMatch(r -> r.get("from") == null
        && list(r.get("ports")).stream().anyMatch(p -> scraped.equals(p.get("port")))), name(d) + ": Prometheus may reach port " + scraped);
    }
    for (Map<String, Object> rule : list(policy.get("ingress"))) {
      boolean clusterPorts = list(rule.get("ports")).stream().anyMatch(p -> List.of(5701, 5801).contains(p.get("port")));
      if (clusterPorts) {
        assertNotNull(rule.get("from"), "the Hazelcast and event-bus ports are open to Switchboard pods only");
      }
    }
  }

  /** Checks one Deployment; returns the secret keys its pod references. */
  private static Set<String> validateDeployment(Map<String, Object> d, List<Map<String, Object>> objects, Map<String, Object> conf,
                                                Map<String, Map<String, Object>> backends) {
    String n = name(d);
    Map<String, Object> spec = map(d.get("spec"));
    Map<String, Object> template = map(spec.get("template"));
    assertTrue(map(map(template.get("metadata")).get("labels")).entrySet().containsAll(map(map(spec.get("selector")).get("matchLabels")).entrySet()),
      n + ": the selector matches the pod labels");
    assertEquals(1, list(podSpec(d).get("containers")).size(), n);
    Map<String, Object> c = container(d);
    Map<String, Object> resources = map(c.get("resources"));
    assertNotNull(map(resources.get("requests")).get("cpu"), n + " requests CPU");
    assertNotNull(map(resources.get("requests")).get("memory"), n + " requests memory");
    assertNotNull(map(resources.get("limits")).get("memory"), n + " limits memory");

    Map<String, String> env = new java.util.LinkedHashMap<>();
    Set<String> secretKeys = new HashSet<>();
    for (Map<String, Object> e : list(c.get("env"))) {
      Map<String, Object> from = map(e.get("valueFrom"));
      Map<String, Object> secret = from == null ? null : map(from.get("secretKeyRef"));
      if (secret != null) {
        assertEquals(Boolean.TRUE, secret.get("optional"), n + ": secret " + e.get("name") + " must be optional (a missing key turns a backend off)");
        assertEquals("switchboard-keys", secret.get("name"), n);
        assertEquals(e.get("name"), secret.get("key"), n);
        secretKeys.add((String) secret.get("key"));
      }
      env.put((String) e.get("name"), e.get("value") == null ? "<from>" : String.valueOf(e.get("value")));
    }
    assertEquals("$(POD_IP)", env.get("SWITCHBOARD_CLUSTER_HOST"), n + " binds the cluster to its pod IP");
    assertTrue(env.getOrDefault("SWITCHBOARD_K8S_SERVICE_DNS", "").startsWith("switchboard-cluster."), n + " discovers through the headless service");
    assertTrue(hasPort(c, 5701) && hasPort(c, Integer.parseInt(env.get("SWITCHBOARD_EVENTBUS_PORT"))), n + " declares the Hazelcast and event-bus ports");
    assertConfMounted(n, c, d, objects, env.get("SWITCHBOARD_CONFIG"));

    String role = role(c);
    Object probePort = map(map(c.get("readinessProbe")).get("httpGet")).get("port");
    assertEquals("/health/ready", map(map(c.get("readinessProbe")).get("httpGet")).get("path"), n);
    assertEquals("/health/live", map(map(c.get("livenessProbe")).get("httpGet")).get("path"), n);
    assertEquals(probePort, map(map(c.get("livenessProbe")).get("httpGet")).get("port"), n);
    long drainMs;
    if (role.equals("backend")) {
      assertEquals(portNumber(c, probePort), Integer.parseInt(env.get("SWITCHBOARD_HEALTH_PORT")), n + ": probes on the backend health port");
      drainMs = number(map(conf.get("backend_defaults")), "drain_timeout_ms", 30_000);
      List<String> ids = arg(c, "--backends") == null ? List.of() : Arrays.asList(arg(c, "--backends").split(","));
      assertFalse(ids.isEmpty(), n + " names its backends");
      for (String id : ids) {
        Map<String, Object> b = backends.get(id);
        assertNotNull(b, n + ": backend " + id + " is not in the ConfigMap's conf");
        Object key = b.get("api_key_env");
        if (key != null && !Boolean.TRUE.equals(b.get("api_key_optional"))) {
          assertTrue(secretKeys.contains((String) key), n + ": " + id + " needs " + key + " from the secret");
        }
      }
    } else if (role.equals("voice")) {
      assertEquals(number(map(conf.get("http")), "port", 8080), portNumber(c, probePort), n + ": probes on the voice node's HTTP port");
      // Calls drain first (voice.drain_timeout_ms), then HTTP (http.drain_timeout_ms).
      drainMs = number(map(conf.get("voice")), "drain_timeout_ms", 600_000) + number(map(conf.get("http")), "drain_timeout_ms", 30_000);
    } else {
      assertEquals("router", role, n);
      assertEquals(number(map(conf.get("http")), "port", 8080), portNumber(c, probePort), n + ": probes on the HTTP API port");
      drainMs = number(map(conf.get("http")), "drain_timeout_ms", 30_000);
    }
    assertScrapeAnnotations(n, template, c, probePort);
    long preStop = preStopSeconds(c);
    assertEquals(preStop + drainMs / 1000 + NodeLifecycle.CLOSE_MARGIN_MS / 1000,
      ((Number) podSpec(d).get("terminationGracePeriodSeconds")).longValue(), n + ": grace period = preStop + drain + close margin");
    for (Map<String, Object> v : list(podSpec(d).get("volumes"))) {
      Map<String, Object> claim = map(v.get("persistentVolumeClaim"));
      if (claim != null) {
        KustomizeLite.find(objects, "PersistentVolumeClaim", (String) claim.get("claimName"));
      }
    }
    return secretKeys;
  }

  /**
   * Prometheus scrapes every pod: {@code prometheus.io/scrape}, {@code /path} and {@code /port} on the pod template, the
   * port the one the node serves /metrics on (the HTTP API for a router, the health port for a backend node: the probe
   * port either way); {@link #validate} checks the network policy lets it in.
   */
  private static void assertScrapeAnnotations(String n, Map<String, Object> template, Map<String, Object> c, Object probePort) {
    Map<String, Object> annotations = map(map(template.get("metadata")).get("annotations"));
    assertNotNull(annotations, n + ": the pod template has scrape annotations");
    assertEquals("true", annotations.get("prometheus.io/scrape"), n);
    assertEquals("/metrics", annotations.get("prometheus.io/path"), n);
    assertEquals(String.valueOf(portNumber(c, probePort)), annotations.get("prometheus.io/port"), n + ": scraped on the port serving /metrics");
  }

  private static void assertConfMounted(String n, Map<String, Object> c, Map<String, Object> d, List<Map<String, Object>> objects, String confPath) {
    assertNotNull(confPath, n + " sets SWITCHBOARD_CONFIG");
    Path file = Path.of(confPath);
    Map<String, Object> mount = list(c.get("volumeMounts")).stream().filter(m -> file.getParent().toString().equals(m.get("mountPath")))
      .findFirst().orElseThrow(() -> new AssertionError(n + ": nothing mounted at " + file.getParent()));
    Map<String, Object> volume = list(podSpec(d).get("volumes")).stream().filter(v -> v.get("name").equals(mount.get("name"))).findFirst().orElseThrow();
    Map<String, Object> cm = KustomizeLite.find(objects, "ConfigMap", (String) map(volume.get("configMap")).get("name"));
    assertTrue(map(cm.get("data")).containsKey(file.getFileName().toString()), n + ": the ConfigMap has " + file.getFileName());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> conf(List<Map<String, Object>> objects) {
    String text = (String) map(KustomizeLite.find(objects, "ConfigMap", "switchboard-conf").get("data")).get("switchboard-k8s.yaml");
    return (Map<String, Object>) new Yaml().load(text);
  }

  private static Map<String, Map<String, Object>> backendsOf(Map<String, Object> conf) {
    Map<String, Map<String, Object>> out = new java.util.LinkedHashMap<>();
    list(conf.get("backends")).forEach(b -> out.put((String) b.get("id"), b));
    return out;
  }

  // ---- helpers over the parsed YAML

  private static List<Map<String, Object>> ofKind(List<Map<String, Object>> objects, String kind) {
    return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
  }

  private static boolean selects(Map<String, Object> selector, Map<String, Object> deployment) {
    Map<String, Object> labels = map(map(map(map(deployment.get("spec")).get("template")).get("metadata")).get("labels"));
    return selector != null && !selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet());
  }

  private static Map<String, Object> container(Map<String, Object> deployment) {
    return list(podSpec(deployment).get("containers")).get(0);
  }

  private static String arg(Map<String, Object> c, String option) {
    List<String> args = strings(c.get("args"));
    int i = args.indexOf(option);
    return i < 0 || i + 1 >= args.size() ? null : args.get(i + 1);
  }

  private static String role(Map<String, Object> c) {
    return Objects.requireNonNullElse(arg(c, "--role"), "all");
  }

  private static boolean hasPort(Map<String, Object> c, Object port) {
    return list(c.get("ports")).stream().anyMatch(p -> port.equals(p.get("name")) || port.equals(p.get("containerPort")));
  }

  private static int portNumber(Map<String, Object> c, Object port) {
    return list(c.get("ports")).stream().filter(p -> port.equals(p.get("name")) || port.equals(p.get("containerPort")))
      .map(p -> (Integer) p.get("containerPort")).findFirst().orElseThrow(() -> new AssertionError("no port " + port));
  }

  private static long preStopSeconds(Map<String, Object> c) {
    Map<String, Object> lifecycle = map(c.get("lifecycle"));
    if (lifecycle == null) {
      return 0;
    }
    List<String> command = strings(map(map(lifecycle.get("preStop")).get("exec")).get("command"));
    assertEquals("sleep", command.get(0));
    return Long.parseLong(command.get(1));
  }

  private static long number(Map<String, Object> m, String key, long fallback) {
    return m == null || !(m.get(key) instanceof Number v) ? fallback : v.longValue();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Object o) {
    return o == null ? List.of() : (List<Map<String, Object>>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<String> strings(Object o) {
    return o == null ? List.of() : new ArrayList<>((List<String>) o);
  }
}
