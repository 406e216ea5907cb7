package one.webph.media.relay;

import io.vertx.core.Future;

/**
 * Controls a media relay, in process ({@link MediaRelay}) or in another process over RTPEngine's NG protocol
 * ({@code one.webph.media.ng.NgClient}, which also drives a real RTPEngine). The proxy uses only this interface so
 * either can anchor its calls.
 */
public interface MediaControl {
    /** See {@link MediaRelay#offer}: returns the rewritten SDP to forward to the recipient of the offer. */
    Future<String> offer(String callId, String fromTag, String sdp, LegOptions forCallee);

    /** See {@link MediaRelay#answer}: returns the rewritten SDP to forward to the offerer. */
    Future<String> answer(String callId, String fromTag, String toTag, String sdp, LegOptions forCaller);

    /** Ends the call's media; succeeds also when the call is unknown. */
    Future<Void> delete(String callId);

    /** Statistics of the call; completes with null when the relay has no such call. */
    Future<SessionStatistics> statistics(String callId);

    /**
     * Ends the call's media and completes with its final statistics, null when the relay has no such call: what
     * the end of a call needs (its record keeps the figures) in one request instead of a query and a delete.
     */
    default Future<SessionStatistics> deleteAndReport(String callId) {
        return statistics(callId).compose(stats -> stats == null ? Future.succeededFuture(null)
                : delete(callId).map(v -> stats));
    }
}
