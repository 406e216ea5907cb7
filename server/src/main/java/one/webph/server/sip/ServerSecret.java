package one.webph.server.sip;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The secret that signs digest nonces and flow tokens, kept in {@code DATA_DIR/sip-secret} (created on first
 * start, owner-only permissions) so nonces and Record-Route flow tokens stay valid across restarts.
 */
public final class ServerSecret {
  public static final String FILE_NAME = "sip-secret";
  private static final int BYTES = 32;

  private ServerSecret() {}

  public static byte[] loadOrCreate(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE_NAME);
    if (Files.exists(file)) {
      String text = Files.readString(file).strip();
      try {
        byte[] secret = HexFormat.of().parseHex(text);
        if (secret.length >= 16) {
          return secret;
        }
      } catch (IllegalArgumentException e) {
        // fall through: replace an unreadable secret
      }
      throw new IOException(file + " does not hold a hex secret of at least 16 bytes; delete it to regenerate");
    }
    byte[] secret = new byte[BYTES];
    new SecureRandom().nextBytes(secret);
    Files.createDirectories(dataDir);
    Path tmp = Files.createTempFile(dataDir, FILE_NAME, ".tmp");
    try {
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: rely on the data directory's permissions
      }
      Files.writeString(tmp, HexFormat.of().formatHex(secret) + "\n", StandardOpenOption.TRUNCATE_EXISTING);
      Files.move(tmp, file);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return secret;
  }
}
