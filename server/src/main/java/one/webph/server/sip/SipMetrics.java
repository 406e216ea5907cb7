package one.webph.server.sip;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Supplier;

/** Micrometer meters of the SIP service (exposed on /metrics by the server). */
public final class SipMetrics {
  private final MeterRegistry registry;
  private final Counter bans;
  private final Counter droppedScanners;
  private final Counter droppedFlood;

  public SipMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.bans = Counter.builder("sip.flood.bans").description("Source IPs banned for flooding").register(registry);
    this.droppedScanners = Counter.builder("sip.dropped").tag("reason", "scanner")
        .description("SIP requests dropped without answer").register(registry);
    this.droppedFlood = Counter.builder("sip.dropped").tag("reason", "flood")
        .description("SIP requests dropped without answer").register(registry);
  }

  /** Gauges read from live state: active registrations, transactions, banned sources. */
  public void bindGauges(Supplier<Number> registrations, Supplier<Number> serverTransactions,
      Supplier<Number> clientTransactions, Supplier<Number> bannedSources) {
    Gauge.builder("sip.registrations.active", registrations, s -> s.get().doubleValue()).strongReference(true)
        .description("Registered contacts held by the registrar").register(registry);
    Gauge.builder("sip.transactions", serverTransactions, s -> s.get().doubleValue()).strongReference(true).tag("side", "server")
        .description("Live SIP transactions").register(registry);
    Gauge.builder("sip.transactions", clientTransactions, s -> s.get().doubleValue()).strongReference(true).tag("side", "client")
        .description("Live SIP transactions").register(registry);
    Gauge.builder("sip.flood.banned", bannedSources, s -> s.get().doubleValue()).strongReference(true)
        .description("Source IPs currently banned").register(registry);
  }

  public void request(String method) {
    registry.counter("sip.requests", "method", SipMetrics.knownMethod(method)).increment();
  }

  public void response(String method, int status) {
    registry.counter("sip.responses", "method", SipMetrics.knownMethod(method), "code", Integer.toString(status))
        .increment();
  }

  public void ban() {
    bans.increment();
  }

  public void droppedScanner() {
    droppedScanners.increment();
  }

  public void droppedFlood() {
    droppedFlood.increment();
  }

  /** Bounded tag values: unknown methods are folded into "other" so a scanner cannot create meters. */
  static String knownMethod(String method) {
    return one.webph.sip.message.SipMethod.STANDARD.contains(method) ? method : "other";
  }
}
