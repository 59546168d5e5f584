package io.switchboard.usage.store;

import io.switchboard.usage.keys.KeyStore;

/** What the usage verticle keeps in one database: the usage records and the API keys. */
public interface LedgerStore extends UsageStore, KeyStore {
}
