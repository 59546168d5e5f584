package io.switchboard.core.artifact;

import io.switchboard.api.ArtifactKind;
import io.switchboard.api.Privacy;
import io.switchboard.core.cid.CidHasher;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Who may read and delete an artifact: its holders within their ceiling, never across privacy classes; the admin. */
class ArtifactAccessTest {

  private static final ArtifactClaim K1_LOCAL = new ArtifactClaim(ArtifactKind.AUDIO_IN, Privacy.LOCAL, "k_1", "r1", 1);
  private static final ArtifactClaim K2_CLOUD = new ArtifactClaim(ArtifactKind.TRANSCRIPT, Privacy.CLOUD, "k_2", "r2", 2);
  private static final ArtifactClaim KEYLESS_ZDR = new ArtifactClaim(ArtifactKind.CHAT, Privacy.ZDR, null, "r3", 3);
  private static final ArtifactInfo INFO = new ArtifactInfo(CidHasher.of(new byte[]{1}), 1, 1, 3, List.of(K1_LOCAL, K2_CLOUD, KEYLESS_ZDR));

  @Test
  void holdersWithinTheirCeiling() {
    assertTrue(new ArtifactAccess("k_1", Privacy.LOCAL, false).mayRead(INFO));
    assertTrue(new ArtifactAccess("k_2", Privacy.CLOUD, false).mayRead(INFO));
    // k_2's claim is cloud: a request of k_2 limited to zdr does not get it
    assertFalse(new ArtifactAccess("k_2", Privacy.ZDR, false).mayRead(INFO));
    assertFalse(new ArtifactAccess("k_3", Privacy.CLOUD, false).mayRead(INFO), "another key");
    assertTrue(new ArtifactAccess(null, Privacy.CLOUD, false).mayRead(INFO), "keyless caller, keyless claim");
    assertFalse(new ArtifactAccess(null, Privacy.PRIVATE, false).mayRead(INFO), "keyless claim of class zdr");
    assertTrue(ArtifactAccess.ofAdmin().mayRead(INFO));
  }

  @Test
  void deletionAndWhatIsShown() {
    assertTrue(new ArtifactAccess("k_2", Privacy.LOCAL, false).mayDelete(INFO), "a holder deletes its claims whatever their class");
    assertFalse(new ArtifactAccess("k_3", Privacy.CLOUD, false).mayDelete(INFO));
    assertEquals(List.of(K1_LOCAL), new ArtifactAccess("k_1", Privacy.CLOUD, false).visible(INFO).claims());
    assertEquals(INFO, ArtifactAccess.ofAdmin().visible(INFO));
  }
}
