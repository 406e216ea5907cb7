package one.webph.webpush;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The application server's VAPID key pair (RFC 8292): a P-256 key pair whose public half browsers bind each
 * subscription to. Exported in the same base64url forms the Node {@code web-push} library used for
 * PUSH_PUBLIC / PUSH_PRIVATE: the 65-byte uncompressed point and the 32-byte private scalar.
 */
public final class VapidKeys {
    private static final String PUBLIC_PROPERTY = "publicKey";
    private static final String PRIVATE_PROPERTY = "privateKey";

    private final ECPublicKey publicKey;
    private final ECPrivateKey privateKey;
    private final String publicKeyBase64Url;

    private VapidKeys(ECPublicKey publicKey, ECPrivateKey privateKey) {
        this.publicKey = publicKey;
        this.privateKey = privateKey;
        this.publicKeyBase64Url = Base64Url.encode(P256.encodePublicKey(publicKey));
    }

    public static VapidKeys generate() {
        KeyPair pair = P256.generateKeyPair();
        return new VapidKeys((ECPublicKey) pair.getPublic(), (ECPrivateKey) pair.getPrivate());
    }

    /**
     * Imports keys in the web-push base64url forms; checks the two halves belong together so a mistyped
     * PUSH_PRIVATE fails at start-up instead of as 403s from every push service.
     */
    public static VapidKeys fromBase64Url(String publicKey, String privateKey) {
        ECPublicKey pub = P256.decodePublicKey(Base64Url.decode(publicKey, "VAPID public key"));
        ECPrivateKey priv = P256.decodePrivateKey(Base64Url.decode(privateKey, "VAPID private key"));
        requireMatchingPair(pub, priv);
        return new VapidKeys(pub, priv);
    }

    /**
     * Loads the key pair from {@code file}, or generates and stores one if the file does not exist, so the keys
     * (and with them every browser subscription) survive restarts. The file is created owner-readable only where
     * the file system supports POSIX permissions. An existing but unreadable or corrupt file is an error: silently
     * replacing it would invalidate every subscription.
     */
    public static VapidKeys loadOrCreate(Path file) throws IOException {
        if (Files.exists(file)) {
            return load(file);
        }
        VapidKeys created = generate();
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempFile(parent, ".vapid", ".tmp");
        try {
            restrictToOwner(temp);
            Files.writeString(temp, created.toFileContent(), StandardCharsets.UTF_8);
            try {
                // A hard link publishes the complete file atomically and fails if another process won the race,
                // in which case its keys are the ones to use.
                Files.createLink(file, temp);
            } catch (FileAlreadyExistsException e) {
                throw e;
            } catch (IOException | UnsupportedOperationException e) {
                // File systems without hard links: a plain move, which still refuses to overwrite.
                Files.move(temp, file);
            }
        } catch (FileAlreadyExistsException e) {
            return load(file);
        } finally {
            Files.deleteIfExists(temp);
        }
        return created;
    }

    /** Loads keys written by {@link #loadOrCreate(Path)} (a properties-style file with publicKey/privateKey). */
    public static VapidKeys load(Path file) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (String line : lines) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            int eq = trimmed.indexOf('=');
            if (eq > 0) {
                values.put(trimmed.substring(0, eq).strip(), trimmed.substring(eq + 1).strip());
            }
        }
        String pub = values.get(PUBLIC_PROPERTY);
        String priv = values.get(PRIVATE_PROPERTY);
        if (pub == null || priv == null) {
            throw new IOException("VAPID key file " + file + " lacks " + PUBLIC_PROPERTY + "= or " + PRIVATE_PROPERTY + "=");
        }
        try {
            return fromBase64Url(pub, priv);
        } catch (IllegalArgumentException e) {
            throw new IOException("VAPID key file " + file + " is invalid: " + e.getMessage(), e);
        }
    }

    public ECPublicKey publicKey() {
        return publicKey;
    }

    public ECPrivateKey privateKey() {
        return privateKey;
    }

    /** The applicationServerKey browsers subscribe with (GET /publicKey), and the {@code k=} of the VAPID header. */
    public String publicKeyBase64Url() {
        return publicKeyBase64Url;
    }

    public String privateKeyBase64Url() {
        return Base64Url.encode(P256.encodePrivateKey(privateKey));
    }

    @Override
    public String toString() {
        return "VapidKeys[public=" + publicKeyBase64Url + "]";
    }

    private String toFileContent() {
        return "# webph.one VAPID key pair (P-256, base64url). Keep private; replacing it breaks every push subscription.\n"
                + PUBLIC_PROPERTY + "=" + publicKeyBase64Url + "\n"
                + PRIVATE_PROPERTY + "=" + privateKeyBase64Url() + "\n";
    }

    private static void restrictToOwner(Path path) throws IOException {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system (Windows): rely on the data directory's ACLs.
        }
    }

    private static void requireMatchingPair(ECPublicKey pub, ECPrivateKey priv) {
        // The JDK cannot derive the public point from the scalar, so prove the pair by a sign/verify round trip.
        try {
            byte[] probe = "webph.one VAPID key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(priv);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance("SHA256withECDSA");
            verifier.initVerify(pub);
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                throw new IllegalArgumentException("VAPID public and private keys do not belong to the same key pair");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("VAPID keys unusable: " + e.getMessage(), e);
        }
    }
}
