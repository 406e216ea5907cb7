package one.webph.media.relay;

/**
 * Told when the relay ends a session by itself (not after {@link MediaRelay#delete}); the proxy should then end the
 * call (send BYE). Called on a Vert.x event loop: do not block.
 */
@FunctionalInterface
public interface SessionEndListener {
    /**
     * @param finalStatistics the session's figures at its end (the relay no longer knows the session afterwards,
     *                        so this is the only chance to keep them with the call)
     */
    void sessionEnded(String callId, EndReason reason, SessionStatistics finalStatistics);
}
