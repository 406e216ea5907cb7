package one.webph.media.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.spi.transport.Transport;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One UDP socket of a media leg, a Netty datagram channel registered on the session's event loop.
 *
 * <p>Why not Vert.x's {@code DatagramSocket}: per packet it copies the received datagram into a new heap buffer,
 * dispatches through the context, and on send resolves the destination host string and allocates two promises.
 * Here the receiver sees Netty's pooled buffer and the sender's {@link InetSocketAddress} as they come off the
 * channel; a plain relay forwards that same buffer to the other leg's channel (zero copies), written with the
 * channel's void promise. The measured difference is in docs/PERFORMANCE.md (Media).
 *
 * <p>A socket outlives a call: {@link SocketPool} keeps it open for a later call on the same event loop and points
 * its {@link #receiver} at that call (binding a new socket per port per call was most of a call's setup cost).
 * Opening, the receiver and closing are touched on the socket's event loop only; {@link #send} may be called from
 * any thread (Netty hands the write to the loop), but the relay calls it from the loop.
 */
final class RelaySocket {
    private static final Logger LOG = LoggerFactory.getLogger(RelaySocket.class);
    private static final DatagramSocketOptions OPTIONS = new DatagramSocketOptions(); // read only by configure()

    /** Receives datagrams; {@code data} is released after the call returns, so retain it to keep it. */
    interface Receiver {
        void onPacket(ByteBuf data, InetSocketAddress sender);
    }

    private final DatagramChannel channel;
    private final int port;
    /** Who gets the datagrams now: a session's leg, or the pool while the socket is idle. */
    private Receiver receiver;

    private RelaySocket(DatagramChannel channel, int port) {
        this.channel = channel;
        this.port = port;
    }

    /**
     * Binds {@code host:port} and registers the channel on {@code loop}; must run on that loop, where Netty
     * registers and binds at once (no future to wait for). Returns null when the port cannot be bound (taken by
     * another process).
     */
    static RelaySocket open(Transport transport, EventLoop loop, InetAddress host, int port, Receiver receiver) {
        if (!loop.inEventLoop()) {
            throw new IllegalStateException("media sockets are opened on their own event loop");
        }
        DatagramChannel channel = transport.datagramChannel(host instanceof Inet6Address
                ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4);
        transport.configure(channel, OPTIONS);
        RelaySocket socket = new RelaySocket(channel, port);
        socket.receiver = receiver;
        channel.pipeline().addLast(new SimpleChannelInboundHandler<DatagramPacket>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                socket.receiver.onPacket(packet.content(), packet.sender());
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                // e.g. ICMP port unreachable from a phone that went away: the session's timeout deals with it.
                LOG.debug("media socket error on port {}: {}", port, cause.toString());
            }
        });
        ChannelFuture registered = loop.register(channel);
        ChannelFuture bound = registered.isSuccess() ? channel.bind(new InetSocketAddress(host, port)) : registered;
        if (!bound.isDone()) {
            // Netty did not complete on the loop as it does for NIO: do not guess, give the port up.
            channel.close();
            throw new IllegalStateException("binding media port " + port + " did not complete on its event loop");
        }
        if (!bound.isSuccess()) {
            channel.close();
            LOG.debug("media port {} unavailable: {}", port, bound.cause() == null ? "?" : bound.cause().toString());
            return null;
        }
        return socket;
    }

    int port() {
        return port;
    }

    /** Points the socket at another receiver; on the socket's event loop only. */
    void receiver(Receiver next) {
        this.receiver = next;
    }

    /** Sends {@code data} to {@code target} and releases it (ownership passes to the channel). */
    void send(ByteBuf data, InetSocketAddress target) {
        channel.writeAndFlush(new DatagramPacket(data, target), channel.voidPromise());
    }

    void send(byte[] data, InetSocketAddress target) {
        send(Unpooled.wrappedBuffer(data), target);
    }

    /** Closes the channel (the kernel socket goes when the loop next deregisters it). */
    void close() {
        channel.close();
    }
}
