package io.switchboard.app;

import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders a kustomization the way {@code kubectl kustomize} does for the few features k8s/ uses, so the manifests
 * are checked where no kubectl is installed: {@code resources} (files and kustomization folders), a
 * {@code configMapGenerator} from files (without the name hash), {@code namespace}, {@code images},
 * {@code replicas} and strategic-merge {@code patches} (maps merged, lists of named items merged by name, a null
 * removes a key, {@code $patch: delete} removes the object). Anything else in a kustomization is refused, so a
 * feature added to k8s/ cannot go unchecked.
 */
final class KustomizeLite {

  private static final List<String> KNOWN = List.of("apiVersion", "kind", "resources", "configMapGenerator", "namespace",
    "images", "replicas", "patches");

  private KustomizeLite() {
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> yamlMap(Path file) throws IOException {
    return (Map<String, Object>) new Yaml().load(Files.readString(file));
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> docs(Path file) throws IOException {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object o : new Yaml().loadAll(Files.readString(file))) {
      if (o != null) {
        out.add((Map<String, Object>) o);
      }
    }
    return out;
  }

  /** The objects {@code dir/kustomization.yaml} produces. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> render(Path dir) throws IOException {
    Map<String, Object> k = yamlMap(dir.resolve("kustomization.yaml"));
    for (String key : k.keySet()) {
      if (!KNOWN.contains(key)) {
        throw new IllegalArgumentException(dir + ": kustomization field '" + key + "' is not understood by this check");
      }
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (String r : (List<String>) k.getOrDefault("resources", List.of())) {
      Path p = dir.resolve(r).normalize();
      out.addAll(Files.isDirectory(p) ? render(p) : docs(p));
    }
    for (Map<String, Object> gen : (List<Map<String, Object>>) k.getOrDefault("configMapGenerator", List.of())) {
      Map<String, Object> data = new LinkedHashMap<>();
      for (String f : (List<String>) gen.get("files")) {
        data.put(Path.of(f).getFileName().toString(), Files.readString(dir.resolve(f)));
      }
      out.add(new LinkedHashMap<>(Map.of("apiVersion", "v1", "kind", "ConfigMap",
        "metadata", new LinkedHashMap<>(Map.of("name", gen.get("name"))), "data", data)));
    }
    for (Map<String, Object> patch : (List<Map<String, Object>>) k.getOrDefault("patches", List.of())) {
      for (Map<String, Object> doc : docs(dir.resolve((String) patch.get("path")))) {
        apply(out, doc);
      }
    }
    for (Map<String, Object> r : (List<Map<String, Object>>) k.getOrDefault("replicas", List.of())) {
      Map<String, Object> d = find(out, "Deployment", (String) r.get("name"));
      ((Map<String, Object>) d.get("spec")).put("replicas", r.get("count"));
    }
    for (Map<String, Object> image : (List<Map<String, Object>>) k.getOrDefault("images", List.of())) {
      for (Map<String, Object> c : containers(out)) {
        String name = ((String) c.get("image")).split(":")[0];
        if (name.equals(image.get("name"))) {
          c.put("image", image.get("newName") + ":" + image.get("newTag"));
        }
      }
    }
    Object ns = k.get("namespace");
    if (ns != null) {
      out.stream().filter(o -> !"Namespace".equals(o.get("kind"))).forEach(o -> metadata(o).put("namespace", ns));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> metadata(Map<String, Object> o) {
    return (Map<String, Object>) o.get("metadata");
  }

  static String name(Map<String, Object> o) {
    return (String) metadata(o).get("name");
  }

  static Map<String, Object> find(List<Map<String, Object>> objects, String kind, String name) {
    return objects.stream().filter(o -> kind.equals(o.get("kind")) && name.equals(name(o))).findFirst()
      .orElseThrow(() -> new IllegalArgumentException("no " + kind + " " + name));
  }

  /** Every container of every Deployment. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> containers(List<Map<String, Object>> objects) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map<String, Object> o : objects) {
      if ("Deployment".equals(o.get("kind"))) {
        out.addAll((List<Map<String, Object>>) podSpec(o).get("containers"));
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> podSpec(Map<String, Object> deployment) {
    Map<String, Object> template = (Map<String, Object>) ((Map<String, Object>) deployment.get("spec")).get("template");
    return (Map<String, Object>) template.get("spec");
  }

  private static void apply(List<Map<String, Object>> objects, Map<String, Object> patch) {
    Map<String, Object> target = find(objects, (String) patch.get("kind"), name(patch));
    if ("delete".equals(patch.get("$patch"))) {
      objects.remove(target);
    } else {
      merge(target, patch);
    }
  }

  @SuppressWarnings("unchecked")
  private static void merge(Map<String, Object> target, Map<String, Object> patch) {
    patch.forEach((key, value) -> {
      Object current = target.get(key);
      if (value == null) {
        target.remove(key);
      } else if (value instanceof Map<?, ?> m && current instanceof Map<?, ?> c) {
        merge((Map<String, Object>) c, (Map<String, Object>) m);
      } else if (value instanceof List<?> l && current instanceof List<?> c && isNamedList(l) && isNamedList(c)) {
        mergeByName((List<Map<String, Object>>) c, (List<Map<String, Object>>) l);
      } else {
        target.put(key, value);
      }
    });
  }

  private static boolean isNamedList(List<?> l) {
    return !l.isEmpty() && l.stream().allMatch(i -> i instanceof Map<?, ?> m && m.get("name") instanceof String);
  }

  private static void mergeByName(List<Map<String, Object>> target, List<Map<String, Object>> patch) {
    for (Map<String, Object> p : patch) {
      Map<String, Object> t = target.stream().filter(i -> i.get("name").equals(p.get("name"))).findFirst().orElse(null);
      if (t == null) {
        target.add(new LinkedHashMap<>(p));
      } else {
        merge(t, p);
      }
    }
  }
}
