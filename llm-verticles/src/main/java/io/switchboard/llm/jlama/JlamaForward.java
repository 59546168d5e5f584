package io.switchboard.llm.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;

import java.util.Optional;

/** Jlama's own batched pass for the prompt and one-token pass after it, on an ephemeral key/value buffer. */
// Jlama's tensors are generic over the incubator Vector API types (see JlamaEngine).
@SuppressWarnings("rawtypes")
final class JlamaForward implements Forward {
  private final AbstractModel model;
  private final OutputHead head;
  private final KvBufferCache.KvBuffer kv;
  private final AbstractTensor scratch;

  JlamaForward(AbstractModel model, KvBufferCache cache, OutputHead head) {
    this.model = model;
    this.head = head;
    this.kv = cache.getEphemeralKvBuffer();
    this.scratch = model.makeDenseTensor(model.getConfig().vocabularySize);
  }

  @Override
  public float[] logits() {
    return new float[model.getConfig().vocabularySize];
  }

  @Override
  public int prompt(int[] prompt, float[] logits, Runnable between) {
    AbstractTensor out = model.batchForward(prompt, 0, kv);
    try {
      return head.logits(out.slice(out.shape().first() - 1), scratch, logits);
    } finally {
      out.close();
    }
  }

  @Override
  public int next(int token, int position, float[] logits) {
    AbstractTensor o = model.forward(token, position, kv, Optional.empty());
    try {
      return head.logits(o, scratch, logits);
    } finally {
      o.close();
    }
  }

  @Override
  public void close() {
    scratch.close();
    kv.close();
  }
}
