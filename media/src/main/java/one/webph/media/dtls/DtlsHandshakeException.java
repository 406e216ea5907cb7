package one.webph.media.dtls;

/** The DTLS-SRTP handshake failed (alert, timeout, no common SRTP profile, fingerprint mismatch). */
public class DtlsHandshakeException extends Exception {
    public DtlsHandshakeException(String message, Throwable cause) {
        super(message, cause);
    }

    public DtlsHandshakeException(String message) {
        super(message);
    }
}
