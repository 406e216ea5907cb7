package one.webph.server.sip;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flood protection in the manner of Kamailio's pike module: counts SIP requests per source IP in fixed windows;
 * a source exceeding the limit is banned (its requests silently dropped) for the ban time, logged once per ban.
 * Loopback (when configured) and trusted peers are exempt. Also recognises known scanner User-Agents.
 * Thread-safe; the clock is injectable for tests.
 */
public final class FloodGuard {
  private static final Logger log = LoggerFactory.getLogger(FloodGuard.class);

  /** What to do with a request. */
  public enum Verdict { ACCEPT, DROP_FLOOD, DROP_SCANNER }

  private static final class Source {
    long windowStart;
    int count;
    long bannedUntil;
  }

  private final SipSettings settings;
  private final LongSupplier clockMillis;
  private final Map<String, Source> sources = new ConcurrentHashMap<>();
  private final Runnable onBan;

  public FloodGuard(SipSettings settings, LongSupplier clockMillis, Runnable onBan) {
    this.settings = settings;
    this.clockMillis = clockMillis;
    this.onBan = onBan == null ? () -> { } : onBan;
  }

  /** Counts one request from {@code ip} (a literal address) and decides whether to handle it. */
  public Verdict check(String ip, String userAgent) {
    if (isScanner(userAgent)) {
      return Verdict.DROP_SCANNER;
    }
    if (isExempt(ip)) {
      return Verdict.ACCEPT;
    }
    long now = clockMillis.getAsLong();
    boolean[] newlyBanned = new boolean[1];
    Source s = sources.compute(ip, (k, v) -> {
      Source src = v == null ? new Source() : v;
      if (src.bannedUntil > now) {
        return src;
      }
      if (now - src.windowStart >= settings.floodWindow().toMillis()) {
        src.windowStart = now;
        src.count = 0;
      }
      src.count++;
      if (src.count > settings.floodLimit()) {
        src.bannedUntil = now + settings.floodBan().toMillis();
        src.count = 0;
        newlyBanned[0] = true;
      }
      return src;
    });
    if (newlyBanned[0]) {
      log.warn("flood: more than {} SIP requests in {} s from {}; ignoring it for {} s", settings.floodLimit(),
          settings.floodWindow().toSeconds(), ip, settings.floodBan().toSeconds());
      onBan.run();
    }
    return s.bannedUntil > now ? Verdict.DROP_FLOOD : Verdict.ACCEPT;
  }

  /** True while {@code ip} is banned. */
  public boolean isBanned(String ip) {
    Source s = sources.get(ip);
    return s != null && s.bannedUntil > clockMillis.getAsLong();
  }

  /** Sources currently banned. */
  public int bannedCount() {
    long now = clockMillis.getAsLong();
    return (int) sources.values().stream().filter(s -> s.bannedUntil > now).count();
  }

  public boolean isExempt(String ip) {
    if (settings.floodExemptLoopback() && isLoopback(ip)) {
      return true;
    }
    for (Cidr c : settings.trusted()) {
      if (c.contains(ip)) {
        return true;
      }
    }
    return false;
  }

  public boolean isScanner(String userAgent) {
    if (userAgent == null || settings.blockedUserAgents().isEmpty()) {
      return false;
    }
    String ua = userAgent.toLowerCase(Locale.ROOT);
    for (String fragment : settings.blockedUserAgents()) {
      if (ua.contains(fragment)) {
        return true;
      }
    }
    return false;
  }

  /** Forgets sources whose window and ban are over (call periodically to bound memory). */
  public void sweep() {
    long now = clockMillis.getAsLong();
    long window = settings.floodWindow().toMillis();
    sources.values().removeIf(s -> s.bannedUntil <= now && now - s.windowStart >= window);
  }

  static boolean isLoopback(String ip) {
    if (ip == null) {
      return false;
    }
    String a = ip.startsWith("[") ? ip.substring(1, ip.length() - 1) : ip;
    return a.startsWith("127.") || a.equals("::1") || a.equals("0:0:0:0:0:0:0:1");
  }
}
