package one.webph.server.web;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.time.Instant;
import one.webph.server.db.Database;

/** GET /healthz (JSON, 503 while the database is down) and GET /metrics (Prometheus text). */
public final class HealthRoutes {
  private HealthRoutes() {}

  public static void mount(Router router, Database database, PrometheusMeterRegistry registry, Instant startedAt,
      String version) {
    router.get("/healthz").handler(ctx -> database.ping().onComplete(result -> {
      boolean up = result.succeeded() && Boolean.TRUE.equals(result.result());
      JsonObject body = new JsonObject()
          .put("status", up ? "ok" : "unavailable")
          .put("database", up ? "up" : "down")
          .put("version", version)
          .put("uptimeSeconds", Duration.between(startedAt, Instant.now()).toSeconds());
      ApiErrors.sendJson(ctx, up ? 200 : 503, body);
    }));
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .end(registry.scrape()));
  }
}
