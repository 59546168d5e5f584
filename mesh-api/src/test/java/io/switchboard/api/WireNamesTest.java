package io.switchboard.api;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The one reader of the contract's enum wire names, and the refusals the enums built on it give. */
class WireNamesTest {

  @Test
  void findsAConstantByItsExactWireName() {
    assertSame(ArtifactKind.AUDIO_IN, WireNames.find(ArtifactKind.class, "audio_in"));
    assertNull(WireNames.find(ArtifactKind.class, "AUDIO_IN"));
    assertNull(WireNames.find(ArtifactKind.class, " audio_in"));
    assertNull(WireNames.find(ArtifactKind.class, null));
  }

  @Test
  void everyParserReadsBackEveryWireNameItWrites() {
    for (Capability c : Capability.values()) {
      assertSame(c, Capability.parse(c.wireName()));
    }
    for (ArtifactKind k : ArtifactKind.values()) {
      assertSame(k, ArtifactKind.parse(k.wireName()));
    }
    for (CacheStatus s : CacheStatus.values()) {
      assertSame(s, CacheStatus.parse(s.wireName()));
    }
    for (Privacy p : Privacy.values()) {
      assertSame(p, Privacy.parse(" " + p.wireName().toUpperCase() + " "));
    }
    for (UsageDurability d : UsageDurability.values()) {
      assertSame(d, UsageDurability.parse(" " + d.wireName().toUpperCase() + " "));
    }
    assertSame(Privacy.CLOUD, Privacy.parse("any"));
  }

  @Test
  void aRefusalNamesTheAllowedValuesInDeclarationOrder() {
    assertEquals("unknown capability 'CHAT' (chat, transcribe, speech, embed, realtime)",
      assertThrows(IllegalArgumentException.class, () -> Capability.parse("CHAT")).getMessage());
    assertEquals("unknown artifact kind 'null' (audio_in, transcript, audio_out, chat, embedding)",
      assertThrows(IllegalArgumentException.class, () -> ArtifactKind.parse(null)).getMessage());
    assertEquals("unknown cache status 'stale' (hit, miss, bypass)",
      assertThrows(IllegalArgumentException.class, () -> CacheStatus.parse("stale")).getMessage());
    assertEquals("unknown privacy class 'public' (local, private, zdr, cloud, any)",
      assertThrows(IllegalArgumentException.class, () -> Privacy.parse("public")).getMessage());
    assertEquals("usage.durability must be none, process or machine, got 'null'",
      assertThrows(IllegalArgumentException.class, () -> UsageDurability.parse(null)).getMessage());
  }
}
