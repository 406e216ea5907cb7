import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import one.webph.media.dtls.DtlsCertificate;
import one.webph.media.dtls.DtlsRole;
import one.webph.media.dtls.DtlsSrtpEndpoint;
import one.webph.media.ng.NgClient;
import one.webph.media.relay.LegOptions;
import one.webph.media.rtp.PacketKind;
import one.webph.media.sdp.MediaDescription;
import one.webph.media.sdp.SessionDescription;
import one.webph.media.srtp.SrtpKeys;
import one.webph.media.srtp.SrtpProfile;
import one.webph.media.srtp.SrtpTransformer;
import one.webph.media.stun.StunAttribute;
import one.webph.media.stun.StunMessage;

/**
 * Media relay load generator: N concurrent calls set up over the NG protocol (our RelayMain or RTPEngine), each a
 * caller and a callee endpoint on 127.0.0.1 sending a 20 ms PCMU packet (12 + 160 bytes) every 20 ms both ways;
 * the payload carries the send time (System.nanoTime) so the one-way latency through the relay is measured by the
 * same process. Modes: plain (RTP/AVP both legs) and srtp (caller SRTP, callee plain: the relay decrypts one way
 * and encrypts the other). SRTP keys come from DTLS-SRTP (our relay: ICE-lite check + DTLS handshake, as a browser
 * does) or from SDES a=crypto (RTPEngine); per packet both are AES_CM_128_HMAC_SHA1_80.
 *
 * For each N of --steps: set up N calls, send for --warmup s, measure for --measure s (packets sent in the window,
 * received, latency histogram; relay CPU = utime+stime of --pid from /proc over the window), delete the calls.
 * Stops after the first step over the limits (loss >= 0.1 % or p99 >= 5 ms by default: --loss-limit 0.001,
 * --p99-limit-ms 5). One line per step on stdout.
 *
 *   java -cp MEDIA_CLASSPATH bench/media/MediaLoad.java --target ours --ng 127.0.0.1:2223 --pid 1234 \
 *        --mode plain --steps 50,100,200 [--keying dtls|sdes] [--warmup 2] [--measure 6]
 */
public final class MediaLoad {
    static final int PAYLOAD = 160;
    static final int RTP_LENGTH = 12 + PAYLOAD;
    static final long PERIOD_NANOS = 20_000_000L;
    static final int SLOTS = 20; // sends spread over the 20 ms period, 1 ms apart
    static final int BUCKET_NANOS = 10_000; // latency histogram resolution: 10 us
    static final int BUCKETS = 20_000; // up to 200 ms

    String target = "relay";
    String ng = "127.0.0.1:2223";
    long pid;
    String mode = "plain";
    String keying = "dtls";
    int[] steps = {50, 100, 200, 400, 800};
    double warmup = 2;
    double measure = 6;
    double lossLimit = 0.001;
    double p99LimitMillis = 5;
    long clockTicks = 100;

    public static void main(String[] args) throws Exception {
        MediaLoad load = new MediaLoad();
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--target" -> load.target = v;
                case "--ng" -> load.ng = v;
                case "--pid" -> load.pid = Long.parseLong(v);
                case "--mode" -> load.mode = v;
                case "--keying" -> load.keying = v;
                case "--steps" -> load.steps = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                case "--warmup" -> load.warmup = Double.parseDouble(v);
                case "--measure" -> load.measure = Double.parseDouble(v);
                case "--clk-tck" -> load.clockTicks = Long.parseLong(v);
                case "--p99-limit-ms" -> load.p99LimitMillis = Double.parseDouble(v);
                case "--loss-limit" -> load.lossLimit = Double.parseDouble(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        load.run();
    }

    // ---------------------------------------------------------------- per call state

    static final class Call {
        final int index;
        final String callId;
        final String fromTag;
        final String toTag;
        final Endpoint caller;
        final Endpoint callee;
        volatile SrtpTransformer protect;   // used by the sender thread only
        volatile SrtpTransformer unprotect; // used by the receiver thread only
        volatile DtlsSrtpEndpoint dtls;
        final CompletableFuture<Void> iceDone = new CompletableFuture<>();

        Call(int index, String run, Endpoint caller, Endpoint callee) {
            this.index = index;
            this.callId = run + "-call-" + index;
            this.fromTag = "ft" + index;
            this.toTag = "tt" + index;
            this.caller = caller;
            this.callee = callee;
        }
    }

    static final class Endpoint {
        final DatagramChannel channel;
        final boolean isCaller;
        final int ssrc;
        Call call;
        int seq;
        final byte[] packet = new byte[RTP_LENGTH];

        Endpoint(DatagramChannel channel, boolean isCaller, int ssrc) {
            this.channel = channel;
            this.isCaller = isCaller;
            this.ssrc = ssrc;
            packet[0] = (byte) 0x80;
            packet[1] = 0; // PCMU
            ByteBuffer.wrap(packet, 8, 4).putInt(ssrc);
            Arrays.fill(packet, 12 + 12, RTP_LENGTH, (byte) 0xff); // PCMU silence after our 12-byte stamp
        }

        int port() throws IOException {
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        }
    }

    // ---------------------------------------------------------------- measurement

    record StepResult(int calls, long sent, long received, double loss, double p50, double p99, double max,
                      double cpuSeconds, double cpuMicrosPerPacket) {
        boolean withinLimits(double lossLimit, double p99LimitMillis) {
            return loss < lossLimit && p99 < p99LimitMillis;
        }
    }

    final SecureRandom random = new SecureRandom();
    final DtlsCertificate certificate = DtlsCertificate.generate();
    final ExecutorService dtlsExecutor = Executors.newFixedThreadPool(8);
    Vertx vertx;
    NgClient client;

    void run() throws Exception {
        vertx = Vertx.vertx();
        int colon = ng.lastIndexOf(':');
        client = new NgClient(vertx, SocketAddress.inetSocketAddress(Integer.parseInt(ng.substring(colon + 1)),
                ng.substring(0, colon)), Duration.ofSeconds(2), 3, Map.of());
        client.ping().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        String label = mode.equals("plain") ? "plain->plain" : "SRTP(" + keying + ")->plain";
        System.out.printf("# %s %s: calls, packets/s relayed, loss %%, latency p50/p99/max ms, relay CPU s, "
                + "CPU us/packet%n", target, label);
        // JIT and allocator warm-up, not reported: the first step would otherwise pay the relay's compilation.
        StepResult warm = step(steps[0]);
        System.out.printf("# warm-up N=%d: loss=%.4f%% p99=%.2f ms (not counted)%n", steps[0], warm.loss * 100,
                warm.p99);
        Thread.sleep(1000);
        StepResult best = null;
        for (int n : steps) {
            StepResult r = step(n);
            boolean ok = r.withinLimits(lossLimit, p99LimitMillis);
            System.out.printf("%s %s N=%d pps=%.0f loss=%.4f%% p50=%.2f p99=%.2f max=%.2f cpu=%.2fs "
                            + "us/pkt=%.2f %s%n", target, label, n, r.received / measure, r.loss * 100, r.p50,
                    r.p99, r.max, r.cpuSeconds, r.cpuMicrosPerPacket, ok ? "OK" : "OVER");
            System.out.flush();
            if (!ok) {
                break;
            }
            best = r;
            Thread.sleep(1000);
        }
        System.out.printf("RESULT %s %s max_calls=%d us_per_packet=%.2f%n", target, label,
                best == null ? 0 : best.calls, best == null ? Double.NaN : best.cpuMicrosPerPacket);
        client.shutdown().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        vertx.close();
        dtlsExecutor.shutdownNow();
    }

    StepResult step(int n) throws Exception {
        String run = target + "-" + mode + "-" + n + "-" + Long.toHexString(random.nextLong());
        Selector selector = Selector.open();
        List<Call> calls = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Endpoint a = new Endpoint(open(), true, random.nextInt());
            Endpoint b = new Endpoint(open(), false, random.nextInt());
            Call call = new Call(i, run, a, b);
            a.call = call;
            b.call = call;
            a.channel.register(selector, SelectionKey.OP_READ, a);
            b.channel.register(selector, SelectionKey.OP_READ, b);
            calls.add(call);
        }
        Receiver receiver = new Receiver(selector);
        Thread receiverThread = new Thread(receiver, "receiver");
        receiverThread.start();
        try {
            setUp(calls);
            Sender sender = new Sender(calls);
            long start = System.nanoTime();
            long windowStart = start + (long) (warmup * 1e9);
            long windowEnd = windowStart + (long) (measure * 1e9);
            sender.windowStart = receiver.windowStart = windowStart;
            sender.windowEnd = receiver.windowEnd = windowEnd;
            sender.stopAt = windowEnd + 300_000_000L;
            Thread senderThread = new Thread(sender, "sender");
            senderThread.setPriority(Thread.MAX_PRIORITY);
            senderThread.start();
            sleepUntil(windowStart);
            long cpu0 = cpuTicks();
            sleepUntil(windowEnd);
            long cpu1 = cpuTicks();
            senderThread.join();
            Thread.sleep(300); // stragglers
            receiver.stop = true;
            receiverThread.join();
            double cpuSeconds = (cpu1 - cpu0) / (double) clockTicks;
            long received = receiver.receivedInWindow;
            return new StepResult(n, sender.sentInWindow, received,
                    sender.sentInWindow == 0 ? 1 : Math.max(0, 1 - received / (double) sender.sentInWindow),
                    receiver.percentile(0.50), receiver.percentile(0.99), receiver.maxNanos / 1e6, cpuSeconds,
                    received == 0 ? Double.NaN : cpuSeconds * 1e6 / received);
        } finally {
            receiver.stop = true;
            receiverThread.join();
            tearDown(calls);
            selector.close();
        }
    }

    static DatagramChannel open() throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        ch.bind(new InetSocketAddress("127.0.0.1", 0));
        ch.configureBlocking(false);
        ch.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 18);
        return ch;
    }

    long cpuTicks() throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
    }

    static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, left / 1_000_000));
        }
    }

    // ---------------------------------------------------------------- call setup / teardown over NG

    void setUp(List<Call> calls) throws Exception {
        // BouncyCastle DTLS handshakes hold a thread each (ours and the relay's, which has 8): set up few calls at a
        // time in DTLS mode so no handshake waits behind others for a thread until it times out.
        Semaphore inFlight = new Semaphore(mode.equals("srtp") && keying.equals("dtls") ? 4 : 32);
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Call call : calls) {
            inFlight.acquire();
            CompletableFuture<Void> f = setUp(call);
            f.whenComplete((v, e) -> inFlight.release());
            all.add(f);
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(180, TimeUnit.SECONDS);
    }

    CompletableFuture<Void> setUp(Call call) throws IOException {
        boolean srtp = mode.equals("srtp");
        boolean dtls = srtp && keying.equals("dtls");
        byte[] sdesKey = new byte[30];
        random.nextBytes(sdesKey);
        String offer = !srtp ? plainSdp(call.caller.port())
                : dtls ? browserSdp(call.caller.port()) : sdesSdp(call.caller.port(), sdesKey);
        Future<String> answered = client.offer(call.callId, call.fromTag, offer, LegOptions.plain("127.0.0.1"))
                .compose(toCallee -> {
                    try {
                        call.callee.channel.connect(new InetSocketAddress("127.0.0.1",
                                SessionDescription.parse(toCallee).audio().port()));
                        return client.answer(call.callId, call.fromTag, call.toTag, plainSdp(call.callee.port()),
                                LegOptions.sameAsSdp("127.0.0.1"));
                    } catch (IOException e) {
                        return Future.failedFuture(e);
                    }
                });
        return answered.toCompletionStage().toCompletableFuture().thenCompose(toCaller -> {
            SessionDescription sdp = SessionDescription.parse(toCaller);
            MediaDescription audio = sdp.audio();
            try {
                call.caller.channel.connect(new InetSocketAddress("127.0.0.1", audio.port()));
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
            if (!srtp) {
                return CompletableFuture.completedFuture(null);
            }
            if (!dtls) {
                String crypto = audio.attribute("crypto");
                if (crypto == null || !crypto.contains("AES_CM_128_HMAC_SHA1_80 inline:")) {
                    return CompletableFuture.failedFuture(new IllegalStateException("no usable a=crypto in "
                            + toCaller));
                }
                String inline = crypto.substring(crypto.indexOf("inline:") + 7).split("[| ]")[0];
                byte[] theirs = Base64.getDecoder().decode(inline);
                SrtpKeys keys = new SrtpKeys(SrtpProfile.AES128_CM_HMAC_SHA1_80, Arrays.copyOf(sdesKey, 16),
                        Arrays.copyOfRange(sdesKey, 16, 30), Arrays.copyOf(theirs, 16),
                        Arrays.copyOfRange(theirs, 16, 30));
                call.protect = new SrtpTransformer(keys);
                call.unprotect = new SrtpTransformer(keys);
                return CompletableFuture.completedFuture(null);
            }
            // Browser behaviour: a nominating ICE check to the relay, then DTLS (the relay answered passive).
            byte[] check = StunMessage.builder(StunMessage.BINDING_REQUEST, StunMessage.newTransactionId())
                    .add(StunAttribute.USERNAME, audio.iceUfrag() + ":benchufrag")
                    .addUint32(StunAttribute.PRIORITY, 1853824767L)
                    .addUint64(StunAttribute.ICE_CONTROLLING, 42)
                    .add(StunAttribute.USE_CANDIDATE, new byte[0])
                    .encode(audio.icePwd().getBytes(StandardCharsets.UTF_8), true);
            try {
                call.caller.channel.write(ByteBuffer.wrap(check));
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
            return call.iceDone.orTimeout(5, TimeUnit.SECONDS).thenCompose(v -> {
                DtlsSrtpEndpoint endpoint = new DtlsSrtpEndpoint(DtlsRole.fromPeerSetup(audio.setup()), certificate,
                        sdp.fingerprintFor(audio), dtlsExecutor, bytes -> {
                            try {
                                call.caller.channel.write(ByteBuffer.wrap(bytes));
                            } catch (IOException e) {
                                // closed at teardown
                            }
                        });
                call.dtls = endpoint;
                endpoint.start();
                return endpoint.keys().orTimeout(30, TimeUnit.SECONDS).thenAccept(keys -> {
                    call.protect = new SrtpTransformer(keys);
                    call.unprotect = new SrtpTransformer(keys);
                });
            });
        });
    }

    void tearDown(List<Call> calls) throws Exception {
        Semaphore inFlight = new Semaphore(32);
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Call call : calls) {
            inFlight.acquire();
            CompletableFuture<Void> f = client.delete(call.callId).toCompletionStage().toCompletableFuture();
            f.whenComplete((v, e) -> inFlight.release());
            all.add(f.exceptionally(e -> null));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        for (Call call : calls) {
            if (call.dtls != null) {
                call.dtls.close();
            }
            call.caller.channel.close();
            call.callee.channel.close();
        }
    }

    static String plainSdp(int port) {
        return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                + "m=audio " + port + " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n";
    }

    static String sdesSdp(int port, byte[] keyAndSalt) {
        return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                + "m=audio " + port + " RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n"
                + "a=rtcp-mux\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"
                + Base64.getEncoder().encodeToString(keyAndSalt) + "\r\n";
    }

    String browserSdp(int port) {
        return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
                + "m=audio " + port + " UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 127.0.0.1\r\n"
                + "a=candidate:1 1 udp 2122260223 127.0.0.1 " + port + " typ host\r\n"
                + "a=ice-ufrag:benchufrag\r\na=ice-pwd:benchpasswordbenchpassword\r\n"
                + "a=fingerprint:" + certificate.fingerprint() + "\r\na=setup:actpass\r\na=mid:0\r\n"
                + "a=sendrecv\r\na=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\n";
    }

    // ---------------------------------------------------------------- traffic

    /** Sends one packet per endpoint every 20 ms, endpoints spread over 20 slots of 1 ms. */
    static final class Sender implements Runnable {
        final List<Endpoint> endpoints = new ArrayList<>();
        volatile long windowStart;
        volatile long windowEnd;
        volatile long stopAt;
        long sentInWindow;
        long sendErrors;

        Sender(List<Call> calls) {
            for (Call c : calls) {
                endpoints.add(c.caller);
                endpoints.add(c.callee);
            }
        }

        @Override
        public void run() {
            ByteBuffer buf = ByteBuffer.allocateDirect(2048);
            long start = System.nanoTime();
            for (long tick = 0; ; tick++) {
                for (int slot = 0; slot < SLOTS; slot++) {
                    long due = start + tick * PERIOD_NANOS + slot * (PERIOD_NANOS / SLOTS);
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    if (due >= stopAt) {
                        return;
                    }
                    for (int i = slot; i < endpoints.size(); i += SLOTS) {
                        send(endpoints.get(i), tick, buf);
                    }
                }
            }
        }

        void send(Endpoint e, long tick, ByteBuffer buf) {
            byte[] p = e.packet;
            int seq = e.seq++;
            p[2] = (byte) (seq >> 8);
            p[3] = (byte) seq;
            ByteBuffer.wrap(p, 4, 4).putInt((int) (tick * 160));
            long now = System.nanoTime();
            ByteBuffer.wrap(p, 12, 12).putLong(now).putInt(e.call.index);
            byte[] out = p;
            if (e.isCaller && e.call.protect != null) {
                out = e.call.protect.protectRtp(p, 0, p.length);
            }
            buf.clear();
            buf.put(out).flip();
            try {
                e.channel.write(buf);
                if (now >= windowStart && now < windowEnd) {
                    sentInWindow++;
                }
            } catch (IOException ex) {
                sendErrors++;
            }
        }
    }

    /** Reads every endpoint; media latency from the stamp in the payload, STUN/DTLS handed to the call. */
    static final class Receiver implements Runnable {
        final Selector selector;
        volatile boolean stop;
        volatile long windowStart;
        volatile long windowEnd;
        long receivedInWindow;
        long maxNanos;
        final long[] histogram = new long[BUCKETS + 1];

        Receiver(Selector selector) {
            this.selector = selector;
        }

        @Override
        public void run() {
            ByteBuffer buf = ByteBuffer.allocateDirect(4096);
            byte[] data = new byte[4096];
            try {
                while (!stop) {
                    if (selector.select(20) == 0) {
                        continue;
                    }
                    var it = selector.selectedKeys().iterator();
                    while (it.hasNext()) {
                        SelectionKey key = it.next();
                        it.remove();
                        Endpoint e = (Endpoint) key.attachment();
                        while (true) {
                            buf.clear();
                            int n;
                            try {
                                n = e.channel.isConnected() ? e.channel.read(buf)
                                        : (e.channel.receive(buf) == null ? 0 : buf.position());
                            } catch (IOException ex) {
                                break; // ICMP port unreachable during setup/teardown
                            }
                            if (n <= 0) {
                                break;
                            }
                            buf.flip();
                            buf.get(data, 0, n);
                            onPacket(e, data, n);
                        }
                    }
                }
            } catch (IOException | java.nio.channels.ClosedSelectorException ex) {
                // stopping
            }
        }

        void onPacket(Endpoint e, byte[] data, int n) {
            long now = System.nanoTime();
            switch (PacketKind.classify(data, 0, n)) {
                case STUN -> e.call.iceDone.complete(null);
                case DTLS -> {
                    DtlsSrtpEndpoint d = e.call.dtls;
                    if (d != null) {
                        d.receive(Arrays.copyOf(data, n));
                    }
                }
                case RTP -> {
                    byte[] plain = data;
                    int length = n;
                    if (e.isCaller && e.call.unprotect != null) {
                        plain = e.call.unprotect.unprotectRtp(data, 0, n);
                        if (plain == null) {
                            return;
                        }
                        length = plain.length;
                    }
                    if (length < 24) {
                        return;
                    }
                    long sent = ByteBuffer.wrap(plain, 12, 8).getLong();
                    if (sent < windowStart || sent >= windowEnd) {
                        return;
                    }
                    receivedInWindow++;
                    long latency = now - sent;
                    maxNanos = Math.max(maxNanos, latency);
                    histogram[(int) Math.min(BUCKETS, latency / BUCKET_NANOS)]++;
                }
                default -> { }
            }
        }

        double percentile(double p) {
            long total = Arrays.stream(histogram).sum();
            if (total == 0) {
                return Double.NaN;
            }
            long rank = (long) Math.ceil(p * total);
            long seen = 0;
            for (int i = 0; i <= BUCKETS; i++) {
                seen += histogram[i];
                if (seen >= rank) {
                    return (i + 1) * BUCKET_NANOS / 1e6; // upper edge of the bucket, ms
                }
            }
            return Double.NaN;
        }
    }
}
