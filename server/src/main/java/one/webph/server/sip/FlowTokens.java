package one.webph.server.sip;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Flow tokens (RFC 5626 section 5.2 style) carried in the user part of our Record-Route URIs: they name the
 * transport flow (WebSocket/TCP connection or UDP source) toward the peer on that side, so in-dialog requests
 * reach a browser down its WebSocket even though its Contact ({@code *.invalid}) is unroutable. Signed with the
 * server secret so a client cannot steer requests into someone else's connection.
 * Format: {@code base64url(flowId) "." base64url(HMAC-SHA256(secret, flowId)[0..9])}: all URI-user-safe.
 */
public final class FlowTokens {
  private static final int TAG_BYTES = 9;
  private final byte[] secret;

  public FlowTokens(byte[] secret) {
    this.secret = secret.clone();
  }

  public String encode(String flowId) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return b64.encodeToString(flowId.getBytes(StandardCharsets.UTF_8)) + "." + b64.encodeToString(tag(flowId));
  }

  /** The flow id of a valid token, or null for anything else (tampered, foreign, not a token). */
  public String decode(String token) {
    if (token == null || token.length() > 300) {
      return null;
    }
    int dot = token.indexOf('.');
    if (dot <= 0) {
      return null;
    }
    try {
      Base64.Decoder b64 = Base64.getUrlDecoder();
      String flowId = new String(b64.decode(token.substring(0, dot)), StandardCharsets.UTF_8);
      byte[] given = b64.decode(token.substring(dot + 1));
      return MessageDigest.isEqual(given, tag(flowId)) ? flowId : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private byte[] tag(String flowId) {
    Mac mac = macs.get(); // doFinal resets it for the next token
    mac.update(FLOW_PREFIX);
    return Arrays.copyOf(mac.doFinal(flowId.getBytes(StandardCharsets.UTF_8)), TAG_BYTES);
  }

  private static final byte[] FLOW_PREFIX = "flow:".getBytes(StandardCharsets.US_ASCII);

  /** One keyed HMAC per thread: creating and keying one per token costs more than the HMAC itself. */
  private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required by every Java runtime", e);
    }
  }
}
