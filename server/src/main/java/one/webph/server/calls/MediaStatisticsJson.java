package one.webph.server.calls;

import io.vertx.core.json.JsonObject;
import one.webph.media.relay.LegStatistics;
import one.webph.media.relay.SessionStatistics;

/** The relay's statistics of a call as the JSON text stored with its record. */
final class MediaStatisticsJson {
  private MediaStatisticsJson() {}

  /**
   * {@code {"mode", "onHold", "caller": LEG, "callee": LEG}} where LEG is {@code {"type", "peer", "packetsIn",
   * "bytesIn", "packetsOut", "bytesOut", "rtcpPacketsIn", "rtcpPacketsOut", "dropped", "fractionLost",
   * "cumulativeLost", "jitter"}} ("in" is what that party sent; loss and jitter from the party's last RTCP
   * receiver report, null when none came). Null for null.
   */
  static String toJson(SessionStatistics stats) {
    if (stats == null) {
      return null;
    }
    JsonObject json = new JsonObject()
        .put("mode", stats.mode() == null ? null : stats.mode().name())
        .put("onHold", stats.onHold())
        .put("caller", leg(stats.caller()))
        .put("callee", leg(stats.callee()));
    return json.encode();
  }

  private static JsonObject leg(LegStatistics leg) {
    if (leg == null) {
      return null;
    }
    return new JsonObject()
        .put("type", leg.type() == null ? null : leg.type().name())
        .put("peer", leg.peerAddress())
        .put("packetsIn", leg.packetsIn())
        .put("bytesIn", leg.bytesIn())
        .put("packetsOut", leg.packetsOut())
        .put("bytesOut", leg.bytesOut())
        .put("rtcpPacketsIn", leg.rtcpPacketsIn())
        .put("rtcpPacketsOut", leg.rtcpPacketsOut())
        .put("dropped", leg.dropped())
        .put("fractionLost", leg.fractionLost())
        .put("cumulativeLost", leg.cumulativeLost())
        .put("jitter", leg.jitter());
  }
}
