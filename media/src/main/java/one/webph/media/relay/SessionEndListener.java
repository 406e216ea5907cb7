package one.webph.media.relay;

/**
 * Told when the relay ends a session by itself (not after {@link MediaRelay#delete}); the proxy should then end the
 * call (send BYE). Called on a Vert.x event loop: do not block.
 */
@FunctionalInterface
public interface SessionEndListener {
    void sessionEnded(String callId, EndReason reason);
}
