package one.webph.media.relay;

import java.time.Instant;

/** Snapshot of a session for {@link MediaRelay#query}. */
public record SessionStatistics(String callId, String fromTag, String toTag, RelayMode mode, boolean onHold,
                                Instant created, Instant lastActivity, LegStatistics caller, LegStatistics callee) {
}
