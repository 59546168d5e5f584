package io.switchboard.llm.jlama.decode;

/**
 * The keys and values of {@link #POSITIONS} consecutive positions, for every layer: per layer one array holding the
 * keys transposed ({@code [kvLength][16]}: the keys of the 16 positions for one dimension side by side, so one vector
 * load serves 16 attention scores) and then the values ({@code [16][kvLength]}). A page is written by the one sequence
 * that created it; once a {@link PrefixCache} holds it, nothing writes it again (a sequence extending a cached prefix
 * copies the partial page before it first writes into it), so cached pages are shared between requests without locks.
 */
public final class KvPage {

  /** Positions per page. */
  public static final int POSITIONS = 16;

  final float[][] layers;
  final int kvLength;

  KvPage(int layerCount, int kvLength) {
    this.kvLength = kvLength;
    this.layers = new float[layerCount][2 * POSITIONS * kvLength];
  }

  /** Copies this page's keys and values into {@code target}, for a sequence that goes on writing where this page's owner stopped. */
  void copyInto(KvPage target) {
    for (int l = 0; l < layers.length; l++) {
      System.arraycopy(layers[l], 0, target.layers[l], 0, layers[l].length);
    }
  }

  /** Bytes of keys and values this page holds. */
  public long bytes() {
    return 4L * layers.length * layers[0].length;
  }

  /** A copy of layer {@code layer}'s keys and values (for tests). */
  public float[] layerValues(int layer) {
    return layers[layer].clone();
  }

  /** Offset of the values in a layer's array. */
  int valuesAt() {
    return POSITIONS * kvLength;
  }
}
