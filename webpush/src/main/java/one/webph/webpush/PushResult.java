package one.webph.webpush;

/**
 * What became of one push.
 *
 * @param outcome    classification the caller acts on (delete the subscription on {@link Outcome#GONE})
 * @param statusCode HTTP status of the last response, or 0 if no response was received (network error)
 * @param attempts   number of HTTP requests made (1 unless retried)
 * @param detail     short human-readable reason (status line text, response body excerpt or exception)
 */
public record PushResult(Outcome outcome, int statusCode, int attempts, String detail) {

    public enum Outcome {
        /** 201/202: the push service accepted the message. */
        DELIVERED,
        /** 404/410: the subscription expired or was unsubscribed; the caller should delete it. */
        GONE,
        /** 413: the push service refused the body size. */
        TOO_LARGE,
        /** Any other error, or retries exhausted. */
        FAILED
    }

    public boolean delivered() {
        return outcome == Outcome.DELIVERED;
    }

    public boolean subscriptionGone() {
        return outcome == Outcome.GONE;
    }
}
