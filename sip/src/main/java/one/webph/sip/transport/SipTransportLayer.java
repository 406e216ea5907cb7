package one.webph.sip.transport;

import io.vertx.core.Context;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TCPSSLOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import one.webph.sip.message.HostNames;
import one.webph.sip.message.SipMessage;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.message.SipUri;
import one.webph.sip.message.Via;
import one.webph.sip.parser.SipMessageParser;
import one.webph.sip.parser.SipParseException;
import one.webph.sip.parser.SipStreamDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the SIP listeners (UDP, TCP, TLS, WS, WSS) and connections, decodes what arrives and sends messages.
 *
 * <p>Threading: everything runs on Vert.x event loops and never blocks. Listener callbacks are delivered on the
 * core context given at construction (or current at construction), regardless of which event loop a connection
 * lives on. Send methods may be called from any thread.
 *
 * <p>Receiving: requests get {@code received}/{@code rport} stamped on their top Via (RFC 3261 18.2.1, RFC 3581).
 * Malformed requests that still carry their key headers are answered with 400/505 directly; other malformed
 * input is dropped (datagrams) or closes the connection (stream framing errors). Oversized datagrams are dropped,
 * oversized stream/WebSocket messages close the connection. A CRLFCRLF keep-alive is answered with CRLF.
 *
 * <p>Sending: {@link SipFlow#send} reuses a connection; {@link #send(SipMessage, Transport, String, int)} opens
 * or reuses a connection to a destination (host names resolved by Vert.x); {@link #sendResponse} applies
 * RFC 3261 18.2.2 and RFC 3581. WebSocket peers cannot be connected to: they are reachable only on their flow.
 */
public final class SipTransportLayer {
    private static final Logger log = LoggerFactory.getLogger(SipTransportLayer.class);
    private static final Buffer CRLF = Buffer.buffer("\r\n");

    private final Vertx vertx;
    private final Context core;
    private final SipTransportOptions options;
    private volatile SipTransportListener listener;

    private final List<UdpEndpoint> udpSockets = new CopyOnWriteArrayList<>();
    private final List<NetServer> netServers = new ArrayList<>();
    private final List<NetServer> tlsServers = new ArrayList<>();
    private final List<HttpServer> wssServers = new ArrayList<>();
    private final List<HttpServer> wsServers = new ArrayList<>();
    private final Map<Transport, SocketAddress> listening = new ConcurrentHashMap<>();

    private final Map<String, ConnectionFlow> flowsById = new ConcurrentHashMap<>();
    private final Map<String, ConnectionFlow> flowsByRemote = new ConcurrentHashMap<>();
    private final Map<String, Future<SipFlow>> pendingConnects = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> connectionsPerIp = new ConcurrentHashMap<>();
    private final AtomicLong flowCounter = new AtomicLong();
    private volatile NetClient tcpClient;
    private volatile boolean closed;

    public SipTransportLayer(Vertx vertx, SipTransportOptions options, SipTransportListener listener) {
        this(vertx, vertx.getOrCreateContext(), options, listener);
    }

    public SipTransportLayer(Vertx vertx, Context core, SipTransportOptions options, SipTransportListener listener) {
        this.vertx = vertx;
        this.core = core;
        this.options = options;
        this.listener = listener;
    }

    /**
     * Replaces the listener (two-phase wiring: the transaction layer needs this layer as its sender, and this
     * layer needs the transaction layer as its listener). Set it before listening.
     */
    public void setListener(SipTransportListener listener) {
        this.listener = listener;
    }

    public SipTransportOptions options() {
        return options;
    }

    // ------------------------------------------------------------------ listeners

    /** Listens for UDP datagrams (on the core context's event loop: see {@link UdpEndpoint}). */
    public Future<SocketAddress> listenUdp(String host, int port) {
        boolean ipv6 = host.indexOf(':') >= 0;
        ContextInternal context = (ContextInternal) core;
        VertxInternal owner = context.owner();
        DatagramChannel channel = owner.transport().datagramChannel(ipv6 ? InternetProtocolFamily.IPv6
                : InternetProtocolFamily.IPv4);
        owner.transport().configure(channel, new DatagramSocketOptions().setIpV6(ipv6).setReceiveBufferSize(1 << 20));
        // Read buffers of the largest message + 1 byte (Vert.x sizes them like the 1 MiB socket buffer; a datagram
        // filling one is known to be too large), and several datagrams per wake-up when they queue up (the allocator
        // alone reads one), which also shows how far behind the loop is (UdpEndpoint.onReadComplete).
        channel.config().setRecvByteBufAllocator(new FixedRecvByteBufAllocator(options.maxMessageSize() + 1)
                .maxMessagesPerRead(UdpEndpoint.READS_PER_WAKEUP));
        UdpEndpoint[] endpoint = new UdpEndpoint[1];
        channel.pipeline().addLast(new SimpleChannelInboundHandler<DatagramPacket>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                if (endpoint[0] != null) {
                    endpoint[0].readsSinceWakeup++;
                    context.dispatch(packet, p -> endpoint[0].onPacket(p.content(), p.sender()));
                }
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                if (endpoint[0] != null) {
                    endpoint[0].onReadComplete();
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                // e.g. ICMP port unreachable reported on a later send: the transaction's timers deal with the peer
                log.debug("UDP socket error: {}", cause.toString());
            }
        });
        Promise<SocketAddress> promise = context.promise();
        context.nettyEventLoop().register(channel).addListener(registered -> {
            if (!registered.isSuccess()) {
                promise.fail(registered.cause());
                return;
            }
            channel.bind(new InetSocketAddress(host, port)).addListener(bound -> {
                if (!bound.isSuccess()) {
                    channel.close();
                    promise.fail(bound.cause());
                    return;
                }
                SocketAddress local = SocketAddress.inetSocketAddress((InetSocketAddress) channel.localAddress());
                UdpEndpoint ep = new UdpEndpoint(channel, local, ipv6);
                endpoint[0] = ep;
                udpSockets.add(ep);
                listening.putIfAbsent(Transport.UDP, local);
                promise.complete(local);
            });
        });
        return promise.future();
    }

    /** Listens for SIP over TCP. */
    public Future<SocketAddress> listenTcp(String host, int port) {
        NetServer server = vertx.createNetServer(serverOptions(new NetServerOptions()));
        server.connectHandler(s -> acceptStream(s, Transport.TCP));
        return server.listen(port, host).map(s -> {
            netServers.add(s);
            SocketAddress a = SocketAddress.inetSocketAddress(s.actualPort(), host);
            listening.putIfAbsent(Transport.TCP, a);
            return a;
        });
    }

    /** Listens for SIP over TLS with the given certificate options (replaceable by {@link #updateSSLOptions}). */
    public Future<SocketAddress> listenTls(String host, int port, ServerSSLOptions ssl) {
        NetServerOptions o = serverOptions(new NetServerOptions());
        applySsl(o, ssl);
        NetServer server = vertx.createNetServer(o);
        server.connectHandler(s -> acceptStream(s, Transport.TLS));
        return server.listen(port, host).map(s -> {
            tlsServers.add(s);
            SocketAddress a = SocketAddress.inetSocketAddress(s.actualPort(), host);
            listening.putIfAbsent(Transport.TLS, a);
            return a;
        });
    }

    /**
     * Dedicated WebSocket listener (sub-protocol {@code sip}, any path). Pass {@code ssl} for WSS, null for WS.
     * WebSockets accepted by another HTTP server are handed over with {@link #adoptWebSocket}.
     */
    public Future<SocketAddress> listenWebSocket(String host, int port, ServerSSLOptions ssl) {
        HttpServerOptions o = new HttpServerOptions().setWebSocketSubProtocols(List.of("sip"))
                .setMaxWebSocketMessageSize(options.maxMessageSize()).setMaxWebSocketFrameSize(options.maxMessageSize());
        if (ssl != null) {
            applySsl(o, ssl);
        }
        Transport t = ssl != null ? Transport.WSS : Transport.WS;
        HttpServer server = vertx.createHttpServer(o);
        server.webSocketHandler(ws -> {
            if (!"sip".equals(ws.subProtocol())) {
                ws.close((short) 1002, "SIP sub-protocol required");
                return;
            }
            adoptWebSocket(ws, t);
        });
        server.requestHandler(req -> req.response().setStatusCode(426).putHeader("Upgrade", "websocket").end());
        return server.listen(port, host).map(s -> {
            (ssl != null ? wssServers : wsServers).add(s);
            SocketAddress a = SocketAddress.inetSocketAddress(s.actualPort(), host);
            listening.putIfAbsent(t, a);
            return a;
        });
    }

    /**
     * Replaces the certificate of the TLS and dedicated WSS listeners (certificate hot reload). Connections already
     * established keep their session.
     */
    public Future<Boolean> updateSSLOptions(ServerSSLOptions ssl) {
        List<Future<Boolean>> all = new ArrayList<>();
        for (NetServer s : tlsServers) {
            all.add(s.updateSSLOptions(ssl, true));
        }
        for (HttpServer s : wssServers) {
            all.add(s.updateSSLOptions(ssl, true));
        }
        return Future.all(all).map(cf -> all.stream().allMatch(f -> Boolean.TRUE.equals(f.result())));
    }

    private static void applySsl(TCPSSLOptions o, ServerSSLOptions ssl) {
        o.setSsl(true);
        o.setKeyCertOptions(ssl.getKeyCertOptions());
        if (ssl.getTrustOptions() != null) {
            o.setTrustOptions(ssl.getTrustOptions());
        }
        if (o instanceof NetServerOptions n && ssl.getClientAuth() != null) {
            n.setClientAuth(ssl.getClientAuth());
        }
    }

    private NetServerOptions serverOptions(NetServerOptions o) {
        o.setIdleTimeout(options.streamIdleTimeoutSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS).setTcpNoDelay(true);
        return o;
    }

    // ------------------------------------------------------------------ advertised addresses

    /** Address put in Via / Record-Route for a transport. */
    public record AdvertisedAddress(Transport transport, String host, int port) { }

    public AdvertisedAddress advertised(Transport t) {
        SocketAddress l = listening.get(t);
        String host = options.advertisedHost();
        if (host == null) {
            host = l != null ? l.host() : "127.0.0.1";
            if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
                host = "[" + host + "]";
            }
        }
        Integer port = options.advertisedPort(t);
        int p = port != null ? port : l != null ? l.port() : t.defaultPort();
        return new AdvertisedAddress(t, host, p);
    }

    /** A Via for a request we send over {@code t}: advertised host/port, fresh branch, rport flag. */
    public Via newVia(Transport t) {
        AdvertisedAddress a = advertised(t);
        return Via.of(t.viaName(), a.host(), a.port(), Via.newBranch(), true);
    }

    /** {@code sip:host:port;transport=x;lr} for Record-Route / Path on the given transport. */
    public SipUri recordRouteUri(Transport t) {
        AdvertisedAddress a = advertised(t);
        SipUri u = SipUri.of(null, a.host(), a.port());
        if (t != Transport.UDP) {
            u = u.withParam("transport", t.name().toLowerCase(Locale.ROOT));
        }
        return u.withParam("lr", null);
    }

    /** True when host:port designates this server (advertised host, aliases, or a listening address). */
    public boolean isLocal(String host, int port) {
        if (!localHosts().contains(stripBrackets(host).toLowerCase(Locale.ROOT))) {
            return false;
        }
        if (port < 0) {
            return true;
        }
        for (Transport t : Transport.values()) {
            if (listening.containsKey(t) && (advertised(t).port() == port || listening.get(t).port() == port)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Our host names and addresses, lower case without brackets: asked several times per request (From, Request-URI,
     * Route, Via hosts), so computed once per set of listeners instead of scanning options and listeners each time.
     */
    private Set<String> localHosts() {
        Set<String> hosts = localHosts;
        if (hosts == null || localHostsListeners != listening.size()) {
            hosts = new HashSet<>();
            if (options.advertisedHost() != null) {
                hosts.add(stripBrackets(options.advertisedHost()).toLowerCase(Locale.ROOT));
            }
            for (String alias : options.localAliases()) {
                hosts.add(stripBrackets(alias).toLowerCase(Locale.ROOT));
            }
            for (SocketAddress a : listening.values()) {
                hosts.add(stripBrackets(a.host()).toLowerCase(Locale.ROOT));
            }
            hosts.remove("");
            localHostsListeners = listening.size();
            localHosts = hosts = Set.copyOf(hosts);
        }
        return hosts;
    }

    private volatile Set<String> localHosts;
    private volatile int localHostsListeners = -1;

    /** Actual bound port for a transport, or -1. */
    public int actualPort(Transport t) {
        SocketAddress a = listening.get(t);
        return a == null ? -1 : a.port();
    }

    private static String stripBrackets(String h) {
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    // ------------------------------------------------------------------ flows

    /** Looks up a flow by id: open connections, or any UDP flow id of ours. */
    public Optional<SipFlow> flow(String id) {
        ConnectionFlow f = flowsById.get(id);
        if (f != null) {
            return Optional.of(f);
        }
        if (id.startsWith("udp:")) {
            // udp:<local port>:<remote host>:<remote port>
            String[] p = id.split(":", 3);
            int last = p.length == 3 ? p[2].lastIndexOf(':') : -1;
            if (last > 0) {
                try {
                    int localPort = Integer.parseInt(p[1]);
                    String host = p[2].substring(0, last);
                    int port = Integer.parseInt(p[2].substring(last + 1));
                    for (UdpEndpoint ep : udpSockets) {
                        if (ep.local.port() == localPort) {
                            return Optional.of(ep.flow(host, port));
                        }
                    }
                } catch (NumberFormatException ignored) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /** Currently open connection flows (TCP, TLS, WS, WSS). */
    public List<SipFlow> connections() {
        return new ArrayList<>(flowsById.values());
    }

    // ------------------------------------------------------------------ sending

    /**
     * Sends to a destination, reusing an open connection to it or opening one (TCP/TLS). UDP goes out of our
     * first UDP socket. WS/WSS destinations fail unless a connection from that address is open.
     * @return the flow used
     */
    public Future<SipFlow> send(SipMessage message, Transport t, String host, int port) {
        if (closed) {
            return Future.failedFuture("transport layer closed");
        }
        String h = stripBrackets(host);
        if (t == Transport.UDP) {
            UdpEndpoint ep = pickUdp(h);
            if (ep == null) {
                return Future.failedFuture("no UDP listener");
            }
            SipFlow f = ep.flow(h, port);
            return f.send(message).map(v -> f);
        }
        ConnectionFlow existing = flowsByRemote.get(remoteKey(t, h, port));
        if (existing != null && existing.isOpen()) {
            return existing.send(message).map(v -> existing);
        }
        if (t.isWebSocket()) {
            return Future.failedFuture("no WebSocket connection to " + h + ":" + port);
        }
        return connect(t, h, port).compose(f -> f.send(message).map(v -> f));
    }

    /**
     * Sends a response per RFC 3261 18.2.2 / RFC 3581: over the connection the request came on when it is still
     * open (reliable transports), else to received/sent-by; over UDP to maddr, else received:rport (or
     * received:sent-by port), through the socket the request arrived on.
     */
    public Future<Void> sendResponse(SipResponse response, SipFlow requestFlow) {
        Via top = response.topVia();
        if (top == null) {
            return Future.failedFuture("response without Via");
        }
        Transport t = requestFlow != null ? requestFlow.transport() : Transport.fromName(top.transport());
        if (t == null) {
            return Future.failedFuture("unsupported transport " + top.transport());
        }
        String host = top.received() != null ? top.received() : top.host();
        if (t.isReliable()) {
            if (requestFlow != null && requestFlow.isOpen()) {
                return requestFlow.send(response);
            }
            return send(response, t, host, top.portOrDefault()).mapEmpty();
        }
        int port = top.rport() > 0 ? top.rport() : top.portOrDefault();
        if (top.maddr() != null) {
            host = top.maddr();
            port = top.portOrDefault();
        }
        if (requestFlow instanceof UdpFlow uf) {
            // usually back to where the request came from (received/rport): that flow's address is at hand
            return (uf.leadsTo(host, port) ? uf : uf.endpoint.flow(host, port)).send(response);
        }
        return send(response, Transport.UDP, host, port).mapEmpty();
    }

    private UdpEndpoint pickUdp(String host) {
        boolean v6 = host.indexOf(':') >= 0;
        for (UdpEndpoint ep : udpSockets) {
            if (ep.ipv6 == v6) {
                return ep;
            }
        }
        return udpSockets.isEmpty() ? null : udpSockets.get(0);
    }

    private static String remoteKey(Transport t, String host, int port) {
        return t.name() + "|" + stripBrackets(host).toLowerCase(Locale.ROOT) + "|" + port;
    }

    private Future<SipFlow> connect(Transport t, String host, int port) {
        String key = remoteKey(t, host, port);
        Future<SipFlow> pending = pendingConnects.get(key);
        if (pending != null) {
            return pending;
        }
        Promise<SipFlow> promise = Promise.promise();
        pendingConnects.put(key, promise.future());
        ConnectOptions co = new ConnectOptions().setHost(host).setPort(port);
        if (t == Transport.TLS) {
            ClientSSLOptions ssl = options.tlsClientOptions() != null ? options.tlsClientOptions()
                    : new ClientSSLOptions().setHostnameVerificationAlgorithm("HTTPS");
            co.setSsl(true).setSslOptions(ssl).setSniServerName(HostNames.isIpAddress(host) ? null : host);
        }
        client().connect(co).onComplete(ar -> {
            pendingConnects.remove(key);
            if (ar.failed()) {
                promise.fail(ar.cause());
                return;
            }
            ConnectionFlow f = registerStream(ar.result(), t, false);
            flowsByRemote.put(key, f);
            promise.complete(f);
        });
        return promise.future();
    }

    private NetClient client() {
        NetClient c = tcpClient;
        if (c == null) {
            synchronized (this) {
                if (tcpClient == null) {
                    tcpClient = vertx.createNetClient(clientOptions());
                }
                c = tcpClient;
            }
        }
        return c;
    }

    private NetClientOptions clientOptions() {
        NetClientOptions o = new NetClientOptions().setConnectTimeout(options.connectTimeoutMillis())
                .setIdleTimeout(options.streamIdleTimeoutSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS);
        o.setTcpNoDelay(true);
        return o;
    }

    // ------------------------------------------------------------------ receiving

    private void runOnCore(Runnable r) {
        if (Vertx.currentContext() == core) {
            r.run();
        } else {
            core.runOnContext(v -> r.run());
        }
    }

    private void deliver(SipMessage m, SipFlow flow, SocketAddress source) {
        if (m instanceof SipRequest r) {
            stampVia(r, source);
        }
        runOnCore(() -> {
            try {
                listener.onMessage(m, flow, source);
            } catch (RuntimeException e) {
                log.error("SIP listener failed on message from {}", source, e);
            }
        });
    }

    /** RFC 3261 18.2.1 and RFC 3581 section 4: record where the request really came from. */
    static void stampVia(SipMessage r, SocketAddress source) {
        Via top = r.topVia();
        if (top == null || source == null) {
            return;
        }
        String ip = source.hostAddress() != null ? source.hostAddress() : source.host();
        Via v = top;
        if (top.hasRport() || !stripBrackets(top.host()).equalsIgnoreCase(ip)) {
            v = v.withReceived(ip);
        }
        if (top.hasRport() && top.rport() < 0) {
            v = v.withRport(source.port());
        }
        if (v != top) {
            r.setTopVia(v);
        }
    }

    private void rejectMalformed(SipParseException e, SipFlow flow, SocketAddress source) {
        log.debug("malformed SIP message from {}: {}", source, e.getMessage());
        SipResponse resp = SipResponse.forParseError(e);
        if (resp != null) {
            try {
                stampVia(resp, source);
            } catch (SipParseException brokenVia) {
                // the Via itself is what is malformed: answer without stamping
            }
            flow.send(resp).onFailure(x -> log.debug("could not send {} to {}: {}", resp.status(), source, x.toString()));
        }
    }

    private boolean admitConnection(String ip) {
        AtomicInteger n = connectionsPerIp.computeIfAbsent(ip, k -> new AtomicInteger());
        if (n.incrementAndGet() > options.maxConnectionsPerIp()) {
            n.decrementAndGet();
            log.warn("connection limit ({}) reached for {}", options.maxConnectionsPerIp(), ip);
            return false;
        }
        return true;
    }

    private void releaseConnection(String ip) {
        AtomicInteger n = connectionsPerIp.get(ip);
        if (n != null && n.decrementAndGet() <= 0) {
            connectionsPerIp.remove(ip, n);
        }
    }

    private void acceptStream(NetSocket s, Transport t) {
        if (closed || !admitConnection(s.remoteAddress().hostAddress())) {
            s.close();
            return;
        }
        registerStream(s, t, true);
    }

    private ConnectionFlow registerStream(NetSocket s, Transport t, boolean inbound) {
        StreamFlow f = new StreamFlow(s, t, inbound);
        flowsById.put(f.id, f);
        flowsByRemote.put(remoteKey(t, s.remoteAddress().hostAddress(), s.remoteAddress().port()), f);
        return f;
    }

    private void onClosed(ConnectionFlow f) {
        if (!f.markClosed()) {
            return;
        }
        flowsById.remove(f.id());
        flowsByRemote.values().removeIf(x -> x == f);
        if (f.inbound) {
            releaseConnection(f.remoteAddress().hostAddress());
        }
        runOnCore(() -> listener.onFlowClosed(f));
    }

    /**
     * Takes over a WebSocket accepted by another HTTP server (which must have negotiated sub-protocol
     * {@code sip}). The transport is WSS when the socket is TLS, else WS; use the other overload when TLS is
     * terminated in front of the server.
     */
    public SipFlow adoptWebSocket(ServerWebSocket ws) {
        return adoptWebSocket(ws, ws.isSsl() ? Transport.WSS : Transport.WS);
    }

    public SipFlow adoptWebSocket(ServerWebSocket ws, Transport t) {
        if (!t.isWebSocket()) {
            throw new IllegalArgumentException("not a WebSocket transport: " + t);
        }
        if (closed || !admitConnection(ws.remoteAddress().hostAddress())) {
            ws.close((short) 1013, "too many connections");
            return null;
        }
        WebSocketFlow f = new WebSocketFlow(ws, t);
        flowsById.put(f.id, f);
        flowsByRemote.put(remoteKey(t, ws.remoteAddress().hostAddress(), ws.remoteAddress().port()), f);
        return f;
    }

    /** Closes all listeners and connections. */
    public Future<Void> close() {
        closed = true;
        List<Future<?>> all = new ArrayList<>();
        for (UdpEndpoint ep : udpSockets) {
            Promise<Void> p = Promise.promise();
            ep.channel.close().addListener(f -> p.complete());
            all.add(p.future());
        }
        for (NetServer s : netServers) {
            all.add(s.close());
        }
        for (NetServer s : tlsServers) {
            all.add(s.close());
        }
        for (HttpServer s : wsServers) {
            all.add(s.close());
        }
        for (HttpServer s : wssServers) {
            all.add(s.close());
        }
        for (ConnectionFlow f : new ArrayList<>(flowsById.values())) {
            f.close();
        }
        if (tcpClient != null) {
            all.add(tcpClient.close());
        }
        return Future.join(all).mapEmpty();
    }

    // ------------------------------------------------------------------ flow implementations

    /**
     * A UDP listener: a Netty datagram channel registered on the core context's event loop, so a datagram is
     * parsed and handed to the listener right where it was read. Why not Vert.x's {@code DatagramSocket} (as the
     * media relay's {@code RelaySocket}): it copies every datagram into a new heap buffer, its handler ran on a
     * context of its own and each message then hopped to the core context through the task queue, and every send
     * resolved the destination string and allocated two promises. Measured in docs/PERFORMANCE.md (SIP).
     */
    private final class UdpEndpoint {
        /** Most datagrams read per wake-up of the event loop. */
        static final int READS_PER_WAKEUP = 16;

        final DatagramChannel channel;
        final SocketAddress local;
        final boolean ipv6;
        /** Parse buffer: the parser copies what it keeps, so one array serves every datagram (event loop only). */
        private final byte[] scratch;
        /** Datagrams read since the loop woke up for this socket (event loop only). */
        int readsSinceWakeup;
        /** Since when every wake-up found a full batch waiting (nanoTime), or -1 (event loop only). */
        private long behindSince = -1;
        /** See {@link SipTransportLayer#isBacklogged()}. */
        volatile boolean backlogged;

        UdpEndpoint(DatagramChannel channel, SocketAddress local, boolean ipv6) {
            this.channel = channel;
            this.local = local;
            this.ipv6 = ipv6;
            this.scratch = new byte[options.maxMessageSize()];
        }

        UdpFlow flow(InetSocketAddress remote) {
            return new UdpFlow(this, remote, null, remote.getPort());
        }

        /** A flow to host:port; a host name is resolved when sending (never on the event loop's time). */
        UdpFlow flow(String host, int port) {
            InetSocketAddress literal = literal(host, port);
            return literal != null ? flow(literal) : new UdpFlow(this, null, host, port);
        }

        /**
         * End of one wake-up's reads. A full batch means more datagrams were waiting; when every wake-up has found
         * a full batch for {@link SipTransportOptions#backlogMillis()}, the kernel's receive queue is not draining:
         * the loop runs at capacity. One that was not full emptied the queue, which ends it.
         */
        void onReadComplete() {
            int reads = readsSinceWakeup;
            readsSinceWakeup = 0;
            if (reads < READS_PER_WAKEUP) {
                behindSince = -1;
                backlogged = false;
                return;
            }
            long now = System.nanoTime();
            if (behindSince < 0) {
                behindSince = now;
            } else if (!backlogged && now - behindSince >= options.backlogMillis() * 1_000_000L) {
                backlogged = true;
            }
        }

        void onPacket(ByteBuf data, InetSocketAddress sender) {
            int length = data.readableBytes();
            if (length > scratch.length) {
                log.warn("dropping {}-byte datagram from {}: over the {}-byte limit", length, sender, scratch.length);
                return;
            }
            data.getBytes(data.readerIndex(), scratch, 0, length);
            if (isKeepAlive(scratch, length)) {
                return; // RFC 5626 STUN/CRLF keep-alives on UDP need no SIP handling here
            }
            UdpFlow flow = flow(sender);
            SocketAddress source = flow.remoteAddress();
            SipMessage message;
            try {
                message = SipMessageParser.parseDatagram(scratch, 0, length);
            } catch (SipParseException e) {
                rejectMalformed(e, flow, source);
                return;
            }
            deliver(message, flow, source);
        }

        Future<Void> send(SipMessage message, InetSocketAddress target) {
            if (closed) {
                return Future.failedFuture("transport layer closed");
            }
            ChannelFuture sent = channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(message.encode()), target));
            if (sent.isDone()) {
                // on the event loop the datagram went out inside writeAndFlush: no promise to complete later
                return sent.isSuccess() ? Future.succeededFuture() : Future.failedFuture(sent.cause());
            }
            Promise<Void> promise = Promise.promise();
            sent.addListener(f -> {
                if (f.isSuccess()) {
                    promise.complete();
                } else {
                    promise.fail(f.cause());
                }
            });
            return promise.future();
        }
    }

    /**
     * Whether a UDP listener's receive queue has not drained for {@link SipTransportOptions#backlogMillis()} (every
     * wake-up of the event loop found a full batch of datagrams waiting): the loop is at its capacity. The layer
     * above decides what that means (see the server's SipIngress: with peers retransmitting too, it is overload).
     * Cheap: read it per message.
     */
    public boolean isBacklogged() {
        for (UdpEndpoint ep : udpSockets) {
            if (ep.backlogged) {
                return true;
            }
        }
        return false;
    }

    /** host:port as a socket address when host is an IP literal (no name lookup), else null. */
    private static InetSocketAddress literal(String host, int port) {
        String h = stripBrackets(host);
        if (!HostNames.isIpAddress(h)) {
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(h), port); // a literal: parsed, never looked up
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static boolean isKeepAlive(byte[] b, int length) {
        for (int i = 0; i < length; i++) {
            byte x = b[i];
            if (x != '\r' && x != '\n' && x != 0) {
                return false;
            }
        }
        return true;
    }

    /** Our UDP socket and a remote address (resolved, or a host name resolved per send). */
    private final class UdpFlow implements SipFlow {
        final UdpEndpoint endpoint;
        /** Null for a host name: {@link #host} is resolved when sending. */
        final InetSocketAddress remote;
        final String host;
        final int port;
        private SocketAddress remoteAddress;
        private String id;

        UdpFlow(UdpEndpoint endpoint, InetSocketAddress remote, String host, int port) {
            this.endpoint = endpoint;
            this.remote = remote;
            this.host = host;
            this.port = port;
        }

        @Override
        public String id() {
            if (id == null) {
                id = "udp:" + endpoint.local.port() + ":" + remoteAddress().hostAddress() + ":" + port;
            }
            return id;
        }

        @Override
        public Transport transport() {
            return Transport.UDP;
        }

        @Override
        public SocketAddress localAddress() {
            return endpoint.local;
        }

        @Override
        public SocketAddress remoteAddress() {
            if (remoteAddress == null) {
                remoteAddress = remote != null ? SocketAddress.inetSocketAddress(remote)
                        : SocketAddress.inetSocketAddress(port, host);
            }
            return remoteAddress;
        }

        /** Whether this flow leads to host:port (host as an IP literal or a name, compared as written). */
        boolean leadsTo(String h, int p) {
            return p == port && stripBrackets(h).equalsIgnoreCase(remoteAddress().hostAddress() != null
                    ? remoteAddress().hostAddress() : host);
        }

        @Override
        public boolean isOpen() {
            return !closed;
        }

        @Override
        public Future<Void> send(SipMessage message) {
            if (remote != null) {
                return endpoint.send(message, remote);
            }
            return ((VertxInternal) vertx).nameResolver().resolve(host)
                    .compose(a -> endpoint.send(message, new InetSocketAddress(a, port)));
        }

        @Override
        public void close() {
            // connectionless
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof UdpFlow u) || u.endpoint != endpoint || u.port != port) {
                return false;
            }
            return remote != null && u.remote != null ? remote.getAddress().equals(u.remote.getAddress())
                    : id().equals(u.id());
        }

        @Override
        public int hashCode() {
            return endpoint.local.port() * 31 + port;
        }

        @Override
        public String toString() {
            return id();
        }
    }

    private abstract class ConnectionFlow implements SipFlow {
        final String id;
        final Transport transport;
        final boolean inbound;
        final SocketAddress local;
        final SocketAddress remote;
        private final java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean(true);

        ConnectionFlow(Transport transport, boolean inbound, SocketAddress local, SocketAddress remote) {
            this.transport = transport;
            this.inbound = inbound;
            this.local = local;
            this.remote = remote;
            this.id = transport.name().toLowerCase(Locale.ROOT) + "-" + flowCounter.incrementAndGet() + "@"
                    + remote.hostAddress() + ":" + remote.port();
        }

        boolean markClosed() {
            return open.compareAndSet(true, false);
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public Transport transport() {
            return transport;
        }

        @Override
        public SocketAddress localAddress() {
            return local;
        }

        @Override
        public SocketAddress remoteAddress() {
            return remote;
        }

        @Override
        public boolean isOpen() {
            return open.get();
        }

        @Override
        public String toString() {
            return id;
        }
    }

    private final class StreamFlow extends ConnectionFlow {
        final NetSocket socket;
        final SipStreamDecoder decoder;

        StreamFlow(NetSocket socket, Transport t, boolean inbound) {
            super(t, inbound, socket.localAddress(), socket.remoteAddress());
            this.socket = socket;
            this.decoder = new SipStreamDecoder(options.maxMessageSize(), new SipStreamDecoder.Listener() {
                @Override
                public void onMessage(SipMessage message) {
                    deliver(message, StreamFlow.this, remote);
                }

                @Override
                public void onKeepAlivePing() {
                    socket.write(CRLF);
                }

                @Override
                public void onInvalidMessage(SipParseException e) {
                    rejectMalformed(e, StreamFlow.this, remote);
                }
            });
            socket.handler(this::onData);
            socket.closeHandler(v -> onClosed(this));
            socket.exceptionHandler(e -> log.debug("{}: {}", id, e.toString()));
        }

        private void onData(Buffer b) {
            try {
                decoder.feed(b.getBytes());
            } catch (SipParseException e) {
                log.warn("{}: closing connection after framing error: {}", id, e.getMessage());
                socket.close();
            }
        }

        @Override
        public Future<Void> send(SipMessage message) {
            if (!isOpen()) {
                return Future.failedFuture("connection " + id + " closed");
            }
            return socket.write(Buffer.buffer(message.encode()));
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    private final class WebSocketFlow extends ConnectionFlow {
        final ServerWebSocket ws;
        volatile long lastActivity = System.nanoTime();
        long timerId = -1;

        WebSocketFlow(ServerWebSocket ws, Transport t) {
            super(t, true, ws.localAddress(), ws.remoteAddress());
            this.ws = ws;
            ws.textMessageHandler(s -> onFrame(s.getBytes(StandardCharsets.UTF_8)));
            ws.binaryMessageHandler(b -> onFrame(b.getBytes()));
            ws.pongHandler(b -> lastActivity = System.nanoTime());
            ws.closeHandler(v -> {
                if (timerId >= 0) {
                    vertx.cancelTimer(timerId);
                }
                onClosed(this);
            });
            ws.exceptionHandler(e -> log.debug("{}: {}", id, e.toString()));
            int ping = options.webSocketPingIntervalSeconds();
            if (ping > 0) {
                timerId = vertx.setPeriodic(ping * 1000L, tid -> onTimer());
            }
        }

        private void onTimer() {
            long idleNanos = System.nanoTime() - lastActivity;
            if (idleNanos > TimeUnit.SECONDS.toNanos(options.idleTimeoutSeconds())) {
                log.debug("{}: idle, closing", id);
                ws.close((short) 1000, "idle");
                return;
            }
            ws.writePing(Buffer.buffer());
        }

        private void onFrame(byte[] bytes) {
            lastActivity = System.nanoTime();
            if (bytes.length > options.maxMessageSize()) {
                log.warn("{}: {}-byte message over the limit, closing", id, bytes.length);
                ws.close((short) 1009, "message too big");
                return;
            }
            if (isKeepAlive(bytes, bytes.length)) {
                return;
            }
            try {
                deliver(SipMessageParser.parseDatagram(bytes), this, remote);
            } catch (SipParseException e) {
                rejectMalformed(e, this, remote);
            }
        }

        @Override
        public Future<Void> send(SipMessage message) {
            if (!isOpen()) {
                return Future.failedFuture("connection " + id + " closed");
            }
            byte[] bytes = message.encode();
            // RFC 7118: text frames for UTF-8 messages (what browsers expect), binary frames otherwise.
            if (isUtf8(message.body())) {
                return ws.writeTextMessage(new String(bytes, StandardCharsets.UTF_8));
            }
            return ws.writeBinaryMessage(Buffer.buffer(bytes));
        }

        @Override
        public void close() {
            ws.close();
        }
    }

    private static boolean isUtf8(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** Exposed for tests and diagnostics: number of open inbound connections from an IP. */
    int connectionCount(String ip) {
        AtomicInteger n = connectionsPerIp.get(ip);
        return n == null ? 0 : n.get();
    }

}
