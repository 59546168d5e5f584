package io.switchboard.llm.runpod;

import io.switchboard.api.Health;
import io.switchboard.core.runpod.JobStatus;
import io.switchboard.core.runpod.RunPodJob;
import io.vertx.core.json.JsonObject;

/**
 * Whether the endpoint looks cold (scaled to zero, workers still loading): a job seen still queued past
 * {@code cold_after_ms} makes it cold; a job that starts within the threshold, or a {@code /health} probe that finds
 * an idle or ready worker, makes it warm again. While cold the backend reports {@link Health#degraded}, so the
 * router serves from elsewhere while RunPod warms up. Jobs of several contexts report here, hence the locking.
 */
final class ColdStart implements RunPodJob.Observer {

  private final long coldAfterMs;
  private boolean cold;
  private long longestQueuedMs;

  ColdStart(long coldAfterMs) {
    this.coldAfterMs = coldAfterMs;
  }

  /**
   * Feeds one status answer of a job submitted {@code elapsedMs} ago. {@code delayTime} (RunPod's time the job waited
   * in the queue, ms) is preferred over the elapsed time once the job left the queue.
   */
  @Override
  public void observe(JobStatus status, JsonObject job, long elapsedMs) {
    if (status == JobStatus.IN_QUEUE) {
      queued(elapsedMs);
    } else if (status != JobStatus.CANCELLED) {
      started(job.getValue("delayTime") instanceof Number n ? n.longValue() : elapsedMs);
    }
  }

  /** A job is still in the queue after {@code queuedMs}. */
  synchronized void queued(long queuedMs) {
    if (queuedMs >= coldAfterMs) {
      if (!cold) {
        longestQueuedMs = 0;
      }
      cold = true;
      longestQueuedMs = Math.max(longestQueuedMs, queuedMs);
    }
  }

  /** A job left the queue after {@code queuedMs}: prompt starts mean warm workers. */
  synchronized void started(long queuedMs) {
    if (queuedMs < coldAfterMs) {
      cold = false;
    }
  }

  synchronized void workersReady() {
    cold = false;
  }

  synchronized boolean isCold() {
    return cold;
  }

  synchronized Health health() {
    return cold ? Health.degraded("cold start: job queued " + Math.round(longestQueuedMs / 1000.0) + "s") : Health.UP;
  }
}
