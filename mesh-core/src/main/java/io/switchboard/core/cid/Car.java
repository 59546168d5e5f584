package io.switchboard.core.cid;

import io.vertx.core.buffer.Buffer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The framing of a CARv1 file (what {@code ipfs dag import} reads): a varint-prefixed DAG-CBOR header
 * {@code {"roots": [root], "version": 1}}, then one section per block, each {@code varint(len(cid) + len(block))},
 * the CID's bytes, the block. A writer sends the header once, then the sections in any order.
 */
public final class Car {

  private Car() {
  }

  /** The header naming {@code root} as the only root, with its length prefix. */
  public static Buffer header(Cid root) {
    byte[] cid = root.bytes();
    ByteArrayOutputStream cbor = new ByteArrayOutputStream(64);
    cbor.write(0xa2);                        // map(2), keys in DAG-CBOR order: shorter first
    text(cbor, "roots");
    cbor.write(0x81);                        // array(1)
    cbor.write(0xd8);                        // tag(42): a CID
    cbor.write(42);
    int length = cid.length + 1;             // bytes: the identity multibase prefix 0x00, then the CID
    if (length < 24) {
      cbor.write(0x40 + length);
    } else {
      cbor.write(0x58);
      cbor.write(length);
    }
    cbor.write(0x00);
    cbor.writeBytes(cid);
    text(cbor, "version");
    cbor.write(0x01);
    byte[] header = cbor.toByteArray();
    return Buffer.buffer(Varint.encode(header.length)).appendBytes(header);
  }

  /** The start of a section: its length prefix and the CID; the block's bytes follow. */
  public static Buffer sectionHead(Cid cid, long blockLength) {
    byte[] c = cid.bytes();
    return Buffer.buffer(Varint.encode(c.length + blockLength)).appendBytes(c);
  }

  /** A whole section. */
  public static Buffer section(Cid cid, byte[] block) {
    return sectionHead(cid, block.length).appendBytes(block);
  }

  private static void text(ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    out.write(0x60 + b.length); // short text strings only
    out.writeBytes(b);
  }
}
