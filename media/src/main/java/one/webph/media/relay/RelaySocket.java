package one.webph.media.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.vertx.core.Future;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
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
 * <p>All receive callbacks run on the event loop of the context given to {@link #bind}; {@link #send} may be
 * called from any thread (Netty hands the write to the loop), but the relay calls it from the loop.
 */
final class RelaySocket {
    private static final Logger LOG = LoggerFactory.getLogger(RelaySocket.class);

    /** Receives datagrams; {@code data} is released after the call returns, so retain it to keep it. */
    interface Receiver {
        void onPacket(ByteBuf data, InetSocketAddress sender);
    }

    private final DatagramChannel channel;
    private final int port;

    private RelaySocket(DatagramChannel channel, int port) {
        this.channel = channel;
        this.port = port;
    }

    /** Binds {@code host:port} on the context's event loop; fails when the port is taken. */
    static Future<RelaySocket> bind(ContextInternal context, InetAddress host, int port, Receiver receiver) {
        var transport = context.owner().transport();
        DatagramChannel channel = transport.datagramChannel(host instanceof Inet6Address
                ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4);
        transport.configure(channel, new DatagramSocketOptions());
        channel.pipeline().addLast(new SimpleChannelInboundHandler<DatagramPacket>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                receiver.onPacket(packet.content(), packet.sender());
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                // e.g. ICMP port unreachable from a phone that went away: the session's timeout deals with it.
                LOG.debug("media socket error on port {}: {}", port, cause.toString());
            }
        });
        PromiseInternal<RelaySocket> promise = context.promise();
        context.nettyEventLoop().register(channel).addListener(registered -> {
            if (!registered.isSuccess()) {
                promise.fail(registered.cause());
                return;
            }
            channel.bind(new InetSocketAddress(host, port)).addListener(bound -> {
                if (bound.isSuccess()) {
                    promise.complete(new RelaySocket(channel, port));
                } else {
                    channel.close();
                    promise.fail(bound.cause());
                }
            });
        });
        return promise.future();
    }

    int port() {
        return port;
    }

    /** Sends {@code data} to {@code target} and releases it (ownership passes to the channel). */
    void send(ByteBuf data, InetSocketAddress target) {
        channel.writeAndFlush(new DatagramPacket(data, target), channel.voidPromise());
    }

    void send(byte[] data, InetSocketAddress target) {
        send(Unpooled.wrappedBuffer(data), target);
    }

    Future<Void> close(ContextInternal context) {
        PromiseInternal<Void> promise = context.promise();
        channel.close().addListener(closed -> promise.complete());
        return promise.future();
    }
}
