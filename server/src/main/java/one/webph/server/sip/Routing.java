package one.webph.server.sip;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import one.webph.sip.message.NameAddress;
import one.webph.sip.message.SipHeaders;
import one.webph.sip.message.SipMessage;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipUri;
import one.webph.sip.message.Uri;
import one.webph.sip.message.Via;
import one.webph.sip.transaction.Hop;
import one.webph.sip.transport.SipFlow;
import one.webph.sip.transport.SipTransportLayer;
import one.webph.sip.transport.Transport;

/**
 * Address knowledge of the proxy: which hosts are us, loose routing (RFC 3261 16.4 / 16.12), Record-Route with
 * flow tokens, where a URI or a binding is sent (the next hop), and the loop-detecting Via branch (16.6 step 8,
 * 16.3 step 4).
 */
final class Routing {
  private final String domain;
  private final SipTransportLayer transport;
  private final FlowTokens tokens;

  /** Where a request goes: the Request-URI to put in it and the hop (null when unreachable: fails with 503). */
  record Target(Uri requestUri, Hop hop, String flowPayload, Binding binding) {
    boolean reachable() {
      return hop != null;
    }
  }

  /** Result of removing our own Route entries from a request. */
  record PoppedRoutes(int count, String lastFlowPayload) { }

  Routing(String domain, SipTransportLayer transport, FlowTokens tokens) {
    this.domain = domain;
    this.transport = transport;
    this.tokens = tokens;
  }

  String domain() {
    return domain;
  }

  /** True when the host names this server: the SIP domain, the advertised host, a listening address or alias. */
  boolean isLocalHost(String host) {
    if (host == null) {
      return false;
    }
    String h = strip(host);
    return h.equalsIgnoreCase(domain) || transport.isLocal(h, -1)
        || h.equalsIgnoreCase(strip(transport.advertised(Transport.UDP).host()));
  }

  /** A URI of ours as used in Route / Record-Route (any of our hosts, any port). */
  boolean isOurRouteUri(SipUri uri) {
    return uri != null && isLocalHost(uri.host()) && (uri.user() == null || tokens.decode(uri.user()) != null);
  }

  /** A request to the server itself (no user part, one of our hosts), e.g. an OPTIONS keep-alive. */
  boolean isForServer(SipRequest request) {
    return request.requestUri() instanceof SipUri u && u.user() == null && isLocalHost(u.host());
  }

  /** Removes our entries from the top of the Route set (loose routing). */
  PoppedRoutes popOurRoutes(SipRequest request) {
    int count = 0;
    String last = null;
    while (true) {
      List<NameAddress> routes = request.routes();
      if (routes.isEmpty()) {
        break;
      }
      SipUri top = routes.get(0).sipUri();
      if (!isOurRouteUri(top)) {
        break;
      }
      request.removeFirstValue(SipHeaders.ROUTE);
      count++;
      last = top.user() == null ? null : tokens.decode(top.user());
    }
    return new PoppedRoutes(count, last);
  }

  /**
   * Where an in-dialog (or pre-routed) request goes after our Route entries were removed: the next Route if any,
   * else the flow named by the token of the last Route we removed, else the Request-URI.
   */
  Target nextHop(SipRequest request, PoppedRoutes popped) {
    List<NameAddress> routes = request.routes();
    if (!routes.isEmpty()) {
      SipUri next = routes.get(0).sipUri();
      return new Target(request.requestUri(), next == null ? null : hopFor(next), null, null);
    }
    if (popped.lastFlowPayload() != null) {
      return new Target(request.requestUri(), hopForPayload(popped.lastFlowPayload()), popped.lastFlowPayload(), null);
    }
    return targetForUri(request.requestUri());
  }

  /** A target for a URI resolved as RFC 3263 would without SRV/NAPTR: transport param, host or maddr, port. */
  Target targetForUri(Uri uri) {
    return new Target(uri, uri instanceof SipUri s ? hopFor(s) : null, null, null);
  }

  /**
   * A target for a registered contact: down the flow the REGISTER came on (NAT, WebSocket). A connection-bound
   * binding whose connection is gone is unreachable; a UDP binding falls back to the REGISTER's source address.
   */
  Target targetForBinding(Binding b) {
    SipFlow flow = b.flowId() == null ? null : transport.flow(b.flowId()).orElse(null);
    if (flow != null && flow.isOpen()) {
      return new Target(b.contactUri(), Hop.of(flow), flow.id(), b);
    }
    if (b.isConnectionBound()) {
      return new Target(b.contactUri(), null, null, b);
    }
    String payload = "hop:UDP:" + b.sourcePort() + ":" + b.sourceHost();
    return new Target(b.contactUri(), hopForPayload(payload), payload, b);
  }

  Hop hopFor(SipUri uri) {
    String param = uri.transportParam();
    Transport t = param != null ? Transport.fromName(param) : uri.isSecure() ? Transport.TLS : Transport.UDP;
    if (t == null || t.isWebSocket()) {
      return null; // an unknown transport, or a WebSocket peer we cannot connect to
    }
    if (uri.isSecure() && t == Transport.TCP) {
      t = Transport.TLS;
    }
    String host = uri.param("maddr") != null ? uri.param("maddr") : uri.host();
    int port = uri.port() >= 0 ? uri.port() : t == Transport.TLS ? 5061 : 5060;
    return Hop.of(t, strip(host), port);
  }

  /** A flow id (connection or UDP flow of the transport layer) or {@code hop:UDP:port:host}. */
  Hop hopForPayload(String payload) {
    if (payload.startsWith("hop:")) {
      String[] parts = payload.split(":", 4);
      if (parts.length == 4) {
        Transport t = Transport.fromName(parts[1]);
        try {
          return t == null ? null : Hop.of(t, parts[3], Integer.parseInt(parts[2]));
        } catch (NumberFormatException e) {
          return null;
        }
      }
      return null;
    }
    return transport.flow(payload).filter(SipFlow::isOpen).map(Hop::of).orElse(null);
  }

  /**
   * Record-Route for a dialog-creating request leaving on {@code out}. One entry when both sides are plain UDP
   * reachable at their Contact address; otherwise two (RFC 3261 16.6 step 4 allows several), each facing one
   * side and carrying that side's flow token, so in-dialog requests find the WebSocket/TCP connection or NAT
   * binding: the last of our entries a request passes names the flow it must leave on.
   */
  void recordRoute(SipRequest out, SipRequest received, SipFlow inbound, Target target) {
    Transport inT = inbound.transport();
    Transport outT = target.hop().transport();
    boolean plain = inT == Transport.UDP && outT == Transport.UDP && contactIsSource(received, inbound)
        && (target.binding() == null || sameAddress(target.binding().contactUri(), target.binding().sourceHost(),
            target.binding().sourcePort()));
    if (plain) {
      out.addHeaderFirst(SipHeaders.RECORD_ROUTE, "<" + transport.recordRouteUri(inT) + ">");
      return;
    }
    SipUri toCaller = transport.recordRouteUri(inT).withUser(tokens.encode(inbound.id()));
    SipUri toCallee = transport.recordRouteUri(outT);
    if (target.flowPayload() != null) {
      toCallee = toCallee.withUser(tokens.encode(target.flowPayload()));
    }
    out.addHeaderFirst(SipHeaders.RECORD_ROUTE, "<" + toCaller + ">");
    out.addHeaderFirst(SipHeaders.RECORD_ROUTE, "<" + toCallee + ">");
  }

  private static boolean contactIsSource(SipMessage m, SipFlow flow) {
    if (m.contacts().isEmpty() || m.contacts().get(0).isWildcard()) {
      return true;
    }
    return sameAddress(m.contacts().get(0).uri(), flow.remoteAddress().hostAddress(), flow.remoteAddress().port());
  }

  private static boolean sameAddress(Uri uri, String host, int port) {
    return uri instanceof SipUri s && strip(s.host()).equalsIgnoreCase(strip(host)) && s.portOrDefault() == port;
  }

  /** A Via of ours for a request leaving on {@code t}, its branch starting with the request's loop hash. */
  Via newVia(Transport t, String loopHash) {
    SipTransportLayer.AdvertisedAddress a = transport.advertised(t);
    String random = Via.newBranch().substring(Via.MAGIC_COOKIE.length());
    return Via.of(t.viaName(), a.host(), a.port(), Via.MAGIC_COOKIE + loopHash + "." + random, true);
  }

  /** A Via for a statelessly forwarded ACK: its branch derives from the received one (RFC 3261 16.11). */
  Via statelessVia(Transport t, SipRequest received) {
    SipTransportLayer.AdvertisedAddress a = transport.advertised(t);
    Via top = received.topVia();
    String seed = (top == null ? "" : top.branch() + top.host() + top.port()) + received.callId();
    return Via.of(t.viaName(), a.host(), a.port(), Via.MAGIC_COOKIE + hash(seed).substring(0, 24), true);
  }

  /**
   * The loop hash (RFC 3261 16.6 step 8) of a received request: what stays the same when the very same request
   * comes back to us (Request-URI, tags, Call-ID, CSeq number).
   */
  static String loopHash(SipRequest r) {
    return hash(r.requestUri() + "|" + r.fromTag() + "|" + r.toTag() + "|" + r.callId() + "|"
        + r.cseq().number()).substring(0, 16);
  }

  /** RFC 3261 16.3 step 4: a Via of ours whose branch carries this request's loop hash means it looped. */
  boolean isLoop(SipRequest r) {
    String marker = null; // hashed only when a Via of ours is there: a request from a phone has none
    for (Via v : r.vias()) {
      String branch = v.branch();
      if (branch != null && branch.startsWith(Via.MAGIC_COOKIE) && isLocalHost(v.host())) {
        if (marker == null) {
          marker = Via.MAGIC_COOKIE + loopHash(r) + ".";
        }
        if (branch.startsWith(marker)) {
          return true;
        }
      }
    }
    return false;
  }

  /** One SHA-256 per thread: MessageDigest.getInstance looked the provider up for every request. */
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  });

  private static String hash(String text) {
    return HexFormat.of().formatHex(SHA256.get().digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  static String strip(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    return h.toLowerCase(Locale.ROOT);
  }
}
