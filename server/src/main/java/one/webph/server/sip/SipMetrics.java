package one.webph.server.sip;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** Micrometer meters of the SIP service (exposed on /metrics by the server). */
public final class SipMetrics {
  private final MeterRegistry registry;
  private final Counter bans;
  private final Counter droppedScanners;
  private final Counter droppedFlood;
  private final Counter refusedOverload;
  // Meters by tag value, looked up once: registry.counter(name, tags) per message built and sorted a Meter.Id
  // (allocations and hashing on the SIP event loop for every request and response).
  private final Map<String, Counter> requests = new ConcurrentHashMap<>();
  private final Map<String, Counter[]> responses = new ConcurrentHashMap<>();

  public SipMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.bans = Counter.builder("sip.flood.bans").description("Source IPs banned for flooding").register(registry);
    this.droppedScanners = Counter.builder("sip.dropped").tag("reason", "scanner")
        .description("SIP requests dropped without answer").register(registry);
    this.droppedFlood = Counter.builder("sip.dropped").tag("reason", "flood")
        .description("SIP requests dropped without answer").register(registry);
    this.refusedOverload = Counter.builder("sip.overload.refused")
        .description("New SIP requests answered 503 while the server was over capacity").register(registry);
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
    String known = knownMethod(method);
    requests.computeIfAbsent(known, m -> registry.counter("sip.requests", "method", m)).increment();
  }

  public void response(String method, int status) {
    if (status < 100 || status > 699) {
      return; // not a SIP status; the parser never lets one through
    }
    String known = knownMethod(method);
    Counter[] byStatus = responses.computeIfAbsent(known, m -> new Counter[600]);
    Counter c = byStatus[status - 100];
    if (c == null) { // racing threads register the same meter: the registry returns the one instance
      c = registry.counter("sip.responses", "method", known, "code", Integer.toString(status));
      byStatus[status - 100] = c;
    }
    c.increment();
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

  public void refusedOverload() {
    refusedOverload.increment();
  }

  /** Bounded tag values: unknown methods are folded into "other" so a scanner cannot create meters. */
  static String knownMethod(String method) {
    return one.webph.sip.message.SipMethod.STANDARD.contains(method) ? method : "other";
  }
}
