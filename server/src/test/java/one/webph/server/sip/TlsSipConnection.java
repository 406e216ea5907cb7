package one.webph.server.sip;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.security.cert.X509Certificate;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import one.webph.sip.message.SipMessage;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.message.Uri;
import one.webph.sip.parser.SipStreamDecoder;

/**
 * One SIP-over-TLS connection to the server from a plain {@link SSLSocket}: it accepts any certificate so the test
 * can look at which one the server presented ({@link #peerCertificate()}), sends requests and reads what comes
 * back with the sip module's stream decoder. Blocking, every wait bounded.
 */
final class TlsSipConnection implements AutoCloseable {
  private static final TrustManager ACCEPT_ANY = new X509TrustManager() {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      // the test asserts on the presented certificate itself
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  };

  private final SSLSocket socket;
  private final InputStream in;
  private final BlockingQueue<SipMessage> received = new LinkedBlockingQueue<>();
  private final SipStreamDecoder decoder = new SipStreamDecoder(65_535, new SipStreamDecoder.Listener() {
    @Override
    public void onMessage(SipMessage message) {
      received.add(message);
    }
  });
  private int cseq = 1;

  /** Connects and completes the TLS handshake (fails after 10 s). */
  TlsSipConnection(int port) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {ACCEPT_ANY}, null);
    socket = (SSLSocket) context.getSocketFactory().createSocket();
    socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 10_000);
    socket.setSoTimeout(10_000);
    socket.startHandshake();
    socket.setSoTimeout(200);
    in = socket.getInputStream();
  }

  /** The leaf certificate this connection's TLS session was established with. */
  X509Certificate peerCertificate() throws Exception {
    return (X509Certificate) socket.getSession().getPeerCertificates()[0];
  }

  boolean isClosed() {
    return socket.isClosed();
  }

  /** Sends an OPTIONS addressed to the server itself and returns its final response. */
  SipResponse options(String domain) throws Exception {
    SipRequest r = new SipRequest("OPTIONS", Uri.parse("sip:" + domain));
    String branch = "z9hG4bK" + UUID.randomUUID().toString().replace("-", "");
    r.addHeader("Via", "SIP/2.0/TLS 127.0.0.1:" + socket.getLocalPort() + ";branch=" + branch + ";rport");
    r.addHeader("Max-Forwards", "70");
    r.addHeader("From", "<sip:tls-probe@" + domain + ">;tag=" + branch.substring(7, 15));
    r.addHeader("To", "<sip:" + domain + ">");
    r.addHeader("Call-ID", UUID.randomUUID().toString());
    r.addHeader("CSeq", (cseq++) + " OPTIONS");
    socket.getOutputStream().write(r.encode());
    socket.getOutputStream().flush();
    return finalResponse(10);
  }

  private SipResponse finalResponse(int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    byte[] buffer = new byte[8192];
    while (System.nanoTime() < deadline) {
      SipMessage m = received.poll();
      if (m instanceof SipResponse r && r.status() >= 200) {
        return r;
      }
      if (m != null) {
        continue;
      }
      try {
        int n = in.read(buffer);
        if (n < 0) {
          throw new IOException("the server closed the TLS connection");
        }
        decoder.feed(buffer, 0, n);
      } catch (SocketTimeoutException nothingYet) {
        // poll again until the deadline
      }
    }
    throw new AssertionError("no final response over TLS within " + seconds + " s");
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
