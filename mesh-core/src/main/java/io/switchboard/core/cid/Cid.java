package io.switchboard.core.cid;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * A CIDv1 with a SHA2-256 multihash: {@code <version 1><codec><0x12><0x20><32-byte digest>}, written as multibase
 * base32 lower case ({@code b...}). The two codecs a UnixFS file needs: {@link #RAW} for leaves (and for a file of one
 * chunk) and {@link #DAG_PB} for the nodes above them. Immutable; equal when the bytes are equal.
 */
public final class Cid {

  /** Multicodec {@code raw}: the block is the bytes themselves. */
  public static final int RAW = 0x55;
  /** Multicodec {@code dag-pb}: the block is a protobuf PBNode. */
  public static final int DAG_PB = 0x70;
  /** Multihash code of SHA2-256. */
  static final int SHA2_256 = 0x12;
  static final int DIGEST_LENGTH = 32;
  /** Never updated: {@link #sha256()} clones it. */
  private static final MessageDigest SHA256 = newSha256();

  private final int codec;
  private final byte[] digest;
  private String text;

  private Cid(int codec, byte[] digest) {
    if (codec != RAW && codec != DAG_PB) {
      throw new IllegalArgumentException("unsupported CID codec 0x" + Integer.toHexString(codec) + " (raw or dag-pb)");
    }
    if (digest.length != DIGEST_LENGTH) {
      throw new IllegalArgumentException("a SHA2-256 digest has 32 bytes, got " + digest.length);
    }
    this.codec = codec;
    this.digest = digest;
  }

  /** The CID of {@code block} under {@code codec}. */
  public static Cid of(int codec, byte[] block) {
    MessageDigest sha = sha256();
    sha.update(block);
    return new Cid(codec, sha.digest());
  }

  /** A CID from a digest already computed (the array is kept, not copied). */
  static Cid fromDigest(int codec, byte[] digest) {
    return new Cid(codec, digest);
  }

  public int codec() {
    return codec;
  }

  /** True when {@code digest} (32 bytes) is this CID's digest. */
  public boolean hasDigest(byte[] other) {
    return MessageDigest.isEqual(digest, other);
  }

  /** The binary form: version, codec, multihash (36 bytes for both codecs). */
  public byte[] bytes() {
    byte[] out = new byte[4 + DIGEST_LENGTH];
    out[0] = 1;
    out[1] = (byte) codec; // both codecs are below 0x80: one varint byte
    out[2] = SHA2_256;
    out[3] = DIGEST_LENGTH;
    System.arraycopy(digest, 0, out, 4, DIGEST_LENGTH);
    return out;
  }

  /** Parses {@code b<base32>} (a CIDv1 in the default multibase); anything else is an {@link IllegalArgumentException}. */
  public static Cid parse(String text) {
    if (text == null || text.length() < 2) {
      throw new IllegalArgumentException("not a CID: empty");
    }
    if (text.charAt(0) != 'b') {
      throw new IllegalArgumentException(text.startsWith("Qm")
        ? "CIDv0 is not accepted: give the CIDv1 (base32, b...)" : "not a base32 CIDv1 (expected a leading 'b')");
    }
    byte[] raw = Base32.decode(text.substring(1));
    Cid cid = fromBytes(raw, 0, raw.length);
    cid.text = text;
    return cid;
  }

  /** Reads the binary form in {@code data[offset, end)} exactly. */
  static Cid fromBytes(byte[] data, int offset, int end) {
    Varint.Reader r = new Varint.Reader(data, offset, end);
    long version = r.read();
    if (version != 1) {
      throw new IllegalArgumentException("only CIDv1 is supported, got version " + version);
    }
    long codec = r.read();
    long hash = r.read();
    long length = r.read();
    if (hash != SHA2_256 || length != DIGEST_LENGTH) {
      throw new IllegalArgumentException("only SHA2-256 multihashes are supported");
    }
    int start = r.skip(length);
    if (r.hasMore()) {
      throw new IllegalArgumentException("trailing bytes after the CID");
    }
    if (codec != RAW && codec != DAG_PB) {
      throw new IllegalArgumentException("unsupported CID codec 0x" + Long.toHexString(codec) + " (raw or dag-pb)");
    }
    return new Cid((int) codec, Arrays.copyOfRange(data, start, start + DIGEST_LENGTH));
  }

  /** True when {@code text} parses as a CID this class reads. */
  public static boolean isValid(String text) {
    try {
      parse(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * A fresh SHA-256 digest, cloned from one never used: {@code MessageDigest.getInstance} looks the provider up on every
   * call, which showed in an upload's profile (a digest per leaf, per cache key).
   */
  static MessageDigest sha256() {
    try {
      return (MessageDigest) SHA256.clone();
    } catch (CloneNotSupportedException e) {
      return newSha256();
    }
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cid c && c.codec == codec && Arrays.equals(c.digest, digest);
  }

  @Override
  public int hashCode() {
    return 31 * codec + Arrays.hashCode(digest);
  }

  /** Multibase base32 lower case: {@code bafkrei...} (raw) or {@code bafybei...} (dag-pb). */
  @Override
  public String toString() {
    String t = text;
    if (t == null) {
      t = "b" + Base32.encode(bytes());
      text = t;
    }
    return t;
  }
}
