/**
 * The bus clients of the usage ledger, for any node that checks keys or budgets on the request path without running
 * the ledger itself: {@link io.switchboard.core.usage.KeyVerifier} (API keys, cached, revocations acked),
 * {@link io.switchboard.core.usage.BudgetGuard} (budget holds on cluster-wide counters, seeded by
 * {@link io.switchboard.core.usage.SpentLookup}). They speak to the usage verticle only through the addresses and
 * types of {@code mesh-api}, so a router compiles against neither the ledger nor its databases.
 */
package io.switchboard.core.usage;
