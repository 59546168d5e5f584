package io.switchboard.core.cid;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CID text and binary forms, and the file node codec, without the reference (see CidHasherReferenceTest). */
class CidTest {

  /** {@code ipfs add --cid-version 1} of an empty file and of "hello world" (well-known values). */
  @Test
  void knownValues() {
    assertEquals("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", CidHasher.of(new byte[0]).toString());
    assertEquals("bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e",
      CidHasher.of("hello world".getBytes(StandardCharsets.US_ASCII)).toString());
  }

  @Test
  void parsesWhatItPrints() {
    Cid cid = CidHasher.of(new byte[300_000]);
    assertEquals(Cid.DAG_PB, cid.codec());
    assertTrue(cid.toString().startsWith("bafybei"));
    Cid parsed = Cid.parse(cid.toString());
    assertEquals(cid, parsed);
    assertArrayEquals(cid.bytes(), parsed.bytes());
    assertEquals(cid.hashCode(), parsed.hashCode());
  }

  @Test
  void refusesWhatItDoesNotRead() {
    assertThrows(IllegalArgumentException.class, () -> Cid.parse("QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR"));
    assertThrows(IllegalArgumentException.class, () -> Cid.parse("BAFKREIHDWDCEFGH4DQKJV67UZCMW7OJEE6XEDZDETOJUZJEVTENXQUVYKU"));
    assertThrows(IllegalArgumentException.class, () -> Cid.parse("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyk"));
    assertThrows(IllegalArgumentException.class, () -> Cid.parse("b"));
    assertThrows(IllegalArgumentException.class, () -> Cid.parse("../../etc/passwd"));
    // dag-cbor (0x71) is a valid CID, not one a UnixFS file of ours can have
    assertThrows(IllegalArgumentException.class, () -> Cid.parse("bafyreibnoelefnzgwbcacyt4vh52ymxvzbjq7mmqhtcnwarfq4lzegsiqe"));
    assertFalse(Cid.isValid("bafy"));
    assertTrue(Cid.isValid("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"));
  }

  @Test
  void fileNodeRoundTrip() {
    Cid a = CidHasher.of(new byte[]{1});
    Cid b = CidHasher.of(new byte[]{2});
    FileNode node = new FileNode(List.of(new FileNode.Link(a, 262_144, 262_144), new FileNode.Link(b, 7, 7)));
    byte[] block = node.encode();
    assertEquals(node, FileNode.decode(block));
    assertEquals(262_151, node.fileSize());
    assertThrows(IllegalArgumentException.class, () -> FileNode.decode(new byte[]{0x0a, 0x02, 0x08, 0x01}));
    assertThrows(IllegalArgumentException.class, () -> FileNode.decode(new byte[]{0x12, 0x05, 0x0a}));
  }

  @Test
  void base32RoundTrip() {
    for (int n = 0; n < 40; n++) {
      byte[] data = new byte[n];
      for (int i = 0; i < n; i++) {
        data[i] = (byte) (i * 37 + n);
      }
      assertArrayEquals(data, Base32.decode(Base32.encode(data)));
    }
  }
}
