package one.webph.sip.transport;

import io.vertx.core.net.ClientSSLOptions;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Settings of a {@link SipTransportLayer}; fluent setters, defaults as documented. */
public final class SipTransportOptions {
    private String advertisedHost;
    private final Map<Transport, Integer> advertisedPorts = new EnumMap<>(Transport.class);
    private final List<String> localAliases = new ArrayList<>();
    private int maxMessageSize = 64 * 1024;
    private int maxConnectionsPerIp = 100;
    private int idleTimeoutSeconds = 600;
    private int streamIdleTimeoutSeconds = -1;
    private int webSocketPingIntervalSeconds = 30;
    private int connectTimeoutMillis = 5000;
    private int backlogMillis = 200;
    private ClientSSLOptions tlsClientOptions;

    /** Host name or IP put in our Via and Record-Route headers. Default: the listening address. */
    public SipTransportOptions setAdvertisedHost(String host) {
        this.advertisedHost = host;
        return this;
    }

    public String advertisedHost() {
        return advertisedHost;
    }

    /**
     * Port advertised for a transport (e.g. 443 for WSS when the web server terminates WebSockets, or the
     * public port behind a port mapping). Default: the actual listening port, or the transport default.
     */
    public SipTransportOptions setAdvertisedPort(Transport transport, int port) {
        advertisedPorts.put(transport, port);
        return this;
    }

    public Integer advertisedPort(Transport transport) {
        return advertisedPorts.get(transport);
    }

    /** Extra host names/IPs that also mean "this server" (for {@link SipTransportLayer#isLocal}). */
    public SipTransportOptions addLocalAlias(String host) {
        localAliases.add(host);
        return this;
    }

    public List<String> localAliases() {
        return localAliases;
    }

    /** Largest message accepted; bigger datagrams are dropped, bigger stream messages close the connection. */
    public SipTransportOptions setMaxMessageSize(int bytes) {
        this.maxMessageSize = bytes;
        return this;
    }

    public int maxMessageSize() {
        return maxMessageSize;
    }

    /**
     * How long a UDP listener's receive queue must stay undrained before {@link SipTransportLayer#isBacklogged()}
     * says so (default 200 ms; bursts and GC pauses drain well within it).
     */
    public SipTransportOptions setBacklogMillis(int millis) {
        this.backlogMillis = millis;
        return this;
    }

    public int backlogMillis() {
        return backlogMillis;
    }

    /** Inbound TCP/TLS/WS connections allowed per remote IP (default 100). */
    public SipTransportOptions setMaxConnectionsPerIp(int n) {
        this.maxConnectionsPerIp = n;
        return this;
    }

    public int maxConnectionsPerIp() {
        return maxConnectionsPerIp;
    }

    /** Connections with no traffic (keep-alives count) for this long are closed (default 600 s). */
    public SipTransportOptions setIdleTimeoutSeconds(int seconds) {
        this.idleTimeoutSeconds = seconds;
        return this;
    }

    public int idleTimeoutSeconds() {
        return idleTimeoutSeconds;
    }

    /**
     * Idle timeout of TCP and TLS connections when it must differ from {@link #idleTimeoutSeconds()} (which then
     * applies to WebSocket only): a phone registered over TCP/TLS without keep-alives sends nothing until its
     * refresh, and its binding dies with the connection. Default: the same as {@link #idleTimeoutSeconds()}.
     */
    public SipTransportOptions setStreamIdleTimeoutSeconds(int seconds) {
        this.streamIdleTimeoutSeconds = seconds;
        return this;
    }

    public int streamIdleTimeoutSeconds() {
        return streamIdleTimeoutSeconds > 0 ? streamIdleTimeoutSeconds : idleTimeoutSeconds;
    }

    /** Interval of WebSocket ping frames we send (default 30 s; 0 disables). */
    public SipTransportOptions setWebSocketPingIntervalSeconds(int seconds) {
        this.webSocketPingIntervalSeconds = seconds;
        return this;
    }

    public int webSocketPingIntervalSeconds() {
        return webSocketPingIntervalSeconds;
    }

    public SipTransportOptions setConnectTimeoutMillis(int millis) {
        this.connectTimeoutMillis = millis;
        return this;
    }

    public int connectTimeoutMillis() {
        return connectTimeoutMillis;
    }

    /** TLS settings for outbound TLS connections (default: JVM trust store, hostname verification on). */
    public SipTransportOptions setTlsClientOptions(ClientSSLOptions options) {
        this.tlsClientOptions = options;
        return this;
    }

    public ClientSSLOptions tlsClientOptions() {
        return tlsClientOptions;
    }
}
