package io.switchboard.llm.jlama.decode;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float helpers whose results are the same bits however the JVM runs them (interpreted, or compiled by either JIT):
 * only IEEE operations with one defined result (add, multiply, divide, fused multiply-add, exact conversions). The
 * Vector API's own {@code EXP} and floating-point {@code reduceLanes(ADD)} may differ between the interpreter and
 * compiled code, and a cached prefix must equal a recomputed one bit for bit.
 */
final class FixedMath {

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
  private static final float LOG2E = 1.44269504088896341f;
  /** 1.5 * 2^23: adding and subtracting it rounds a float of magnitude below 2^22 to an integer. */
  private static final float ROUND = 12582912f;
  private static final float LN2_HIGH = 0.693359375f;
  private static final float LN2_LOW = -2.12194440e-4f;
  private static final float[] POLY = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};

  private FixedMath() {
  }

  /** {@code e^x} per lane (Cephes' single-precision method, within 2 ulp), for {@code x} clamped to [-87, 88]. */
  static FloatVector exp(FloatVector x) {
    FloatVector v = x.max(-87f).min(88f);
    FloatVector n = v.fma(LOG2E, ROUND).sub(ROUND);
    FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HIGH), v);
    r = n.fma(FloatVector.broadcast(F, -LN2_LOW), r);
    FloatVector p = FloatVector.broadcast(F, POLY[0]);
    for (int i = 1; i < POLY.length; i++) {
      p = p.fma(r, FloatVector.broadcast(F, POLY[i]));
    }
    FloatVector y = p.fma(r.mul(r), r).add(1f);
    IntVector e = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
    return y.mul(e.reinterpretAsFloats());
  }

  /** The sum of the 16 lanes, added in lane order. */
  static float sum(FloatVector v) {
    float s = 0;
    for (int i = 0; i < F.length(); i++) {
      s += v.lane(i);
    }
    return s;
  }
}
