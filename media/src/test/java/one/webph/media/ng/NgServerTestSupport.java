package one.webph.media.ng;

/** Bounded polling for state that settles asynchronously (port release after sockets close). */
final class NgServerTestSupport {
    interface Condition {
        boolean holds() throws Exception;
    }

    private NgServerTestSupport() {
    }

    static void waitUntil(Condition condition) throws Exception {
        long deadline = System.currentTimeMillis() + 5000;
        while (!condition.holds()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("condition not met within 5 s");
            }
            Thread.sleep(20);
        }
    }
}
