package one.webph.server.migration;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import one.webph.webpush.VapidKeys;

/**
 * Installs imported VAPID keys as DATA_DIR/vapid.keys, the file the push component loads with
 * {@link VapidKeys#loadOrCreate} when PUSH_PUBLIC/PUSH_PRIVATE are not configured (same properties format:
 * {@code publicKey=} and {@code privateKey=} in base64url).
 */
public final class VapidKeyFile {
  /** The push component's file name in DATA_DIR (PushComponent.VAPID_FILE). */
  public static final String FILE_NAME = "vapid.keys";

  /** What {@link #install} did. */
  public enum Outcome { WRITTEN, UNCHANGED, REPLACED }

  private VapidKeyFile() {}

  /**
   * Writes {@code keys} to {@code file}. An existing file with the same keys is left alone; one with other keys
   * is replaced only with {@code force}, because every browser subscribed with those keys would stop receiving
   * pushes. An existing unreadable file is an error, not something to overwrite silently.
   */
  public static Outcome install(Path file, VapidKeys keys, boolean force) throws IOException {
    boolean exists = Files.exists(file);
    if (exists) {
      VapidKeys current;
      try {
        current = VapidKeys.load(file);
      } catch (IOException e) {
        if (!force) {
          throw new IllegalStateException(e.getMessage() + "; fix or remove it, or pass --force to replace it");
        }
        current = null;
      }
      if (current != null && sameKeys(current, keys)) {
        return Outcome.UNCHANGED;
      }
      if (current != null && !force) {
        throw new IllegalStateException(file + " already holds other VAPID keys (public key "
            + current.publicKeyBase64Url() + "); browsers subscribed with them would stop receiving calls. "
            + "Pass --force to replace them with the imported keys");
      }
    }
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path temp = Files.createTempFile(parent, ".vapid", ".tmp");
    try {
      try {
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // Not a POSIX file system: the data directory's ACLs protect it.
      }
      Files.writeString(temp, content(keys), StandardCharsets.UTF_8);
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
    if (!sameKeys(VapidKeys.load(file), keys)) {
      throw new IOException("wrote " + file + " but reading it back gave other keys");
    }
    return exists ? Outcome.REPLACED : Outcome.WRITTEN;
  }

  static boolean sameKeys(VapidKeys a, VapidKeys b) {
    return a.publicKeyBase64Url().equals(b.publicKeyBase64Url())
        && a.privateKeyBase64Url().equals(b.privateKeyBase64Url());
  }

  private static String content(VapidKeys keys) {
    return "# webph.one VAPID key pair (P-256, base64url), imported from the original push server.\n"
        + "# Keep private; replacing it breaks every push subscription.\n"
        + "publicKey=" + keys.publicKeyBase64Url() + "\n"
        + "privateKey=" + keys.privateKeyBase64Url() + "\n";
  }
}
