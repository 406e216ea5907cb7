package one.webph.media.ng;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import one.webph.media.relay.MediaRelay;
import one.webph.media.relay.RelayConfig;

/**
 * Runs the media relay as its own process, controlled over the NG protocol, so several relay machines can serve one
 * SIP server (each proxy-side {@link NgClient} points at one of them):
 * <pre>
 *   java -cp ... one.webph.media.ng.RelayMain --ng 127.0.0.1:2223 --ports 40000-41000 --public-ip 203.0.113.7
 * </pre>
 * Options: {@code --ng HOST:PORT} control socket (default 127.0.0.1:2223; keep it off the Internet: NG has no
 * authentication), {@code --ports MIN-MAX} media port range (default 30000-31000), {@code --public-ip ADDRESS}
 * written into SDPs (required), {@code --bind ADDRESS} media sockets' local address (default 0.0.0.0),
 * {@code --timeout SECONDS} media inactivity timeout (default 60), {@code --threads N} event loops (default 2 per
 * core), {@code --dtls-handshakes N} DTLS handshakes run at once (default 64).
 */
public final class RelayMain {
    private RelayMain() {
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("relay: " + e.getMessage());
            System.err.println("usage: relay --public-ip ADDRESS [--ng HOST:PORT] [--ports MIN-MAX]"
                    + " [--bind ADDRESS] [--timeout SECONDS] [--threads N] [--dtls-handshakes N]");
            System.exit(2);
            return;
        }
        VertxOptions vertxOptions = new VertxOptions();
        if (options.threads > 0) {
            vertxOptions.setEventLoopPoolSize(options.threads);
        }
        Vertx vertx = Vertx.vertx(vertxOptions);
        MediaRelay relay = new MediaRelay(vertx, new RelayConfig()
                .portRange(options.minPort, options.maxPort)
                .bindHost(options.bindHost)
                .inactivityTimeout(Duration.ofSeconds(options.timeoutSeconds))
                .dtlsThreads(options.dtlsHandshakes)
                .endListener((callId, reason, last) -> System.err.println("relay: call " + callId + " ended: " + reason)));
        NgServer server = new NgServer(vertx, relay, options.publicIp);
        try {
            server.listen(options.ngHost, options.ngPort).await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("relay: cannot listen for NG on " + options.ngHost + ":" + options.ngPort + ": "
                    + e.getMessage());
            vertx.close();
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.shutdown().compose(v -> relay.shutdown()).compose(v -> vertx.close())
                        .await(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // exiting anyway
            }
            stopped.countDown();
        }, "relay-shutdown"));
        System.out.println("relay ready: NG on " + options.ngHost + ":" + server.port() + ", media ports "
                + options.minPort + "-" + options.maxPort + ", public IP " + options.publicIp);
        System.out.flush();
        stopped.await();
    }

    static final class Options {
        String ngHost = "127.0.0.1";
        int ngPort = 2223;
        int minPort = 30000;
        int maxPort = 31000;
        String publicIp;
        String bindHost = "0.0.0.0";
        int timeoutSeconds = 60;
        int threads;
        int dtlsHandshakes = 64;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String name = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value for " + name);
                }
                String value = args[++i];
                switch (name) {
                    case "--ng" -> {
                        int colon = value.lastIndexOf(':');
                        if (colon <= 0) {
                            throw new IllegalArgumentException("--ng wants HOST:PORT, got " + value);
                        }
                        o.ngHost = value.substring(0, colon).replace("[", "").replace("]", "");
                        o.ngPort = port(value.substring(colon + 1), "--ng");
                    }
                    case "--ports" -> {
                        String[] range = value.split("-");
                        if (range.length != 2) {
                            throw new IllegalArgumentException("--ports wants MIN-MAX, got " + value);
                        }
                        o.minPort = port(range[0], "--ports");
                        o.maxPort = port(range[1], "--ports");
                        if (o.maxPort - o.minPort < 3) {
                            throw new IllegalArgumentException("--ports range too small: " + value);
                        }
                    }
                    case "--public-ip" -> o.publicIp = value;
                    case "--bind" -> o.bindHost = value;
                    case "--timeout" -> o.timeoutSeconds = positive(value, name);
                    case "--threads" -> o.threads = positive(value, name);
                    case "--dtls-handshakes" -> o.dtlsHandshakes = positive(value, name);
                    default -> throw new IllegalArgumentException("unknown option " + name);
                }
            }
            if (o.publicIp == null || o.publicIp.isBlank()) {
                throw new IllegalArgumentException("--public-ip is required (the address written into SDPs)");
            }
            return o;
        }

        private static int port(String s, String option) {
            int p = positive(s, option);
            if (p > 65535) {
                throw new IllegalArgumentException(option + ": port out of range: " + s);
            }
            return p;
        }

        private static int positive(String s, String option) {
            try {
                int v = Integer.parseInt(s.trim());
                if (v <= 0) {
                    throw new NumberFormatException();
                }
                return v;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + ": not a positive number: " + s);
            }
        }
    }
}
