package io.switchboard.llm;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.Health;
import io.switchboard.api.Prices;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.BackendConfig;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.DoubleFunction;

/**
 * The descriptor of a backend that runs its model in this process (ONNX embeddings, Jlama): privacy {@code local};
 * the model's own name when conf lists no {@code models}; free unless conf sets {@code electricity_per_mtok} (and no
 * {@code prices}); down ("loading") until the model has loaded.
 */
public final class LocalModelDescriptor {

  private LocalModelDescriptor() {
  }

  /**
   * @param electricity the prices an {@code electricity_per_mtok} value stands for (which token kinds it is paid on
   *                    differs: an embedding has no output tokens)
   */
  public static BackendDescriptor loading(BackendConfig conf, String type, Capability capability, int defaultConcurrency,
      String modelName, DoubleFunction<Prices> electricity) {
    BackendDescriptor d = conf.descriptor(type, Set.of(capability), Privacy.LOCAL, defaultConcurrency);
    List<String> models = d.models().isEmpty() ? List.of(modelName) : d.models();
    Map<String, Prices> prices = d.prices();
    Double perMtok = conf.json().getDouble("electricity_per_mtok");
    if (prices.isEmpty() && perMtok != null) {
      prices = Map.of("*", electricity.apply(perMtok));
    }
    return new BackendDescriptor(d.id(), d.instanceId(), d.type(), d.capabilities(), models, d.aliases(), d.privacy(),
      d.priority(), prices, d.concurrency(), Health.down("loading"), false);
  }
}
