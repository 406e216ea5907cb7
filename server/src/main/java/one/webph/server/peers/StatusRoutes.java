package one.webph.server.peers;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * GET /status (plain HTML, no script) and GET /status.json: each community link up or down and since when. No
 * secrets: targets, prefixes and states only.
 */
final class StatusRoutes {
  private StatusRoutes() {}

  static void mount(Router router, PeerDirectory directory, Instant startedAt) {
    router.get("/status.json").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(json(directory.status(), startedAt).encodePrettily() + "\n"));
    router.get("/status").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .end(html(directory.status(), Instant.now())));
  }

  static JsonObject json(List<PeerDirectory.PeerStatus> peers, Instant startedAt) {
    JsonArray list = new JsonArray();
    for (PeerDirectory.PeerStatus p : peers) {
      JsonArray targets = new JsonArray();
      for (PeerDirectory.TargetStatus t : p.targets()) {
        targets.add(new JsonObject().put("target", t.target()).put("up", t.up()).put("probed", t.checked())
            .put("since", t.since().toString()).put("detail", t.detail()));
      }
      list.add(new JsonObject().put("name", p.name()).put("kind", p.kind().name().toLowerCase(java.util.Locale.ROOT))
          .put("up", p.up()).put("since", p.since().toString()).put("detail", p.detail())
          .put("prefixes", new JsonArray(p.prefixes())).put("patterns", new JsonArray(p.patterns()))
          .put("codecs", new JsonArray(p.codecs())).put("targets", targets));
    }
    return new JsonObject().put("startedAt", startedAt.toString()).put("peers", list);
  }

  static String html(List<PeerDirectory.PeerStatus> peers, Instant now) {
    StringBuilder out = new StringBuilder();
    out.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>webphone status</title>")
        .append("<style>body{font-family:sans-serif}td,th{padding:.2em .8em;text-align:left}")
        .append(".up{color:#070}.down{color:#b00}</style></head><body>\n<h1>Community links</h1>\n");
    if (peers.isEmpty()) {
      out.append("<p>No community peer is configured.</p>\n");
    } else {
      out.append("<table>\n<tr><th>Link</th><th>Kind</th><th>State</th><th>Since</th><th>Numbers</th>")
          .append("<th>Targets</th></tr>\n");
      for (PeerDirectory.PeerStatus p : peers) {
        StringBuilder targets = new StringBuilder();
        for (PeerDirectory.TargetStatus t : p.targets()) {
          targets.append(escape(t.target())).append(": ").append(t.up() ? "up" : "down").append(" (")
              .append(escape(t.detail())).append(")<br>");
        }
        List<String> numbers = new java.util.ArrayList<>(p.prefixes().stream().map(x -> x + "...").toList());
        numbers.addAll(p.patterns());
        String state = p.up() ? "up" : "down";
        out.append("<tr><td>").append(escape(p.name())).append("</td><td>")
            .append(p.kind().name().toLowerCase(java.util.Locale.ROOT)).append("</td><td class=\"").append(state)
            .append("\">").append(state).append(" (").append(escape(p.detail())).append(")</td><td>")
            .append(p.since()).append(" (").append(ago(Duration.between(p.since(), now))).append(" ago)</td><td>")
            .append(escape(String.join(", ", numbers))).append("</td><td>").append(targets).append("</td></tr>\n");
      }
      out.append("</table>\n");
    }
    out.append("<p>As of ").append(now).append(". JSON: <a href=\"/status.json\">/status.json</a></p>\n")
        .append("</body></html>\n");
    return out.toString();
  }

  private static String ago(Duration d) {
    long s = Math.max(0, d.toSeconds());
    return s < 120 ? s + " s" : s < 7200 ? s / 60 + " min" : s / 3600 + " h";
  }

  static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
