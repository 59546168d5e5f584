package io.switchboard.core.cache;

import io.switchboard.api.Privacy;

import java.util.List;
import java.util.Objects;

/**
 * Who a cached answer may be served to. The rule: never to a key that could not have seen the original's backend.
 * So the backend that produced it must be within the asker's privacy ceiling, allowed by the key's provider list
 * (empty: all), and the model allowed by the key's model list (empty: all) under the name asked for or the one that
 * ran, exactly as the router's plan would filter that backend; a forced {@code provider} must be that backend. The
 * ceiling is also part of the key ({@link CacheKeys}), so a stricter request never even finds a looser one's entry;
 * this check holds when two keys share a ceiling but not their lists.
 *
 * @param ceiling          the privacy ceiling the request runs under (request, key and default combined)
 * @param allowedProviders the key's provider list; empty for no key or no list
 * @param allowedModels    the key's model list; empty for no key or no list
 * @param askedModel       the model (or alias) the request named
 * @param forcedProvider   the request's {@code provider}, or null
 */
public record CacheAudience(Privacy ceiling, List<String> allowedProviders, List<String> allowedModels, String askedModel,
                            String forcedProvider) {

  public CacheAudience {
    Objects.requireNonNull(ceiling, "ceiling");
    allowedProviders = allowedProviders == null ? List.of() : List.copyOf(allowedProviders);
    allowedModels = allowedModels == null ? List.of() : List.copyOf(allowedModels);
  }

  /** No key: only the ceiling and a forced provider apply. */
  public static CacheAudience anyone(Privacy ceiling, String askedModel, String forcedProvider) {
    return new CacheAudience(ceiling, List.of(), List.of(), askedModel, forcedProvider);
  }

  public boolean allows(CachedAnswer answer) {
    return ceiling.allows(answer.privacy())
      && (allowedProviders.isEmpty() || allowedProviders.contains(answer.backend()))
      && (allowedModels.isEmpty() || allowedModels.contains(askedModel) || allowedModels.contains(answer.model()))
      && (forcedProvider == null || forcedProvider.equals(answer.backend()));
  }
}
