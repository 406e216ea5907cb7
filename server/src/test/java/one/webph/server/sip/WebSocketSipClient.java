package one.webph.server.sip;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import one.webph.sip.message.AuthHeader;
import one.webph.sip.message.SipMessage;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.parser.SipMessageParser;

/**
 * A minimal browser-like SIP user agent over WebSocket, secure or plain (RFC 7118), as JsSIP behaves: a {@code .invalid}
 * Contact with +sip.instance and reg-id, SHA-256 digest with qop=auth. Blocking helpers with timeouts, for tests.
 */
final class WebSocketSipClient implements AutoCloseable {
  final String number;
  final String password;
  final String domain;
  final String contactHost = UUID.randomUUID().toString().substring(0, 12) + ".invalid";
  final String instance = "<urn:uuid:" + UUID.randomUUID() + ">";
  private final boolean ssl;
  private final WebSocketClient client;
  private final WebSocket socket;
  private final BlockingQueue<SipMessage> received = new LinkedBlockingQueue<>();
  private final String callId = UUID.randomUUID().toString();
  private int cseq = 1;

  /** Over WSS to the HTTPS port. */
  WebSocketSipClient(Vertx vertx, int httpsPort, String domain, String number, String password) throws Exception {
    this(vertx, httpsPort, true, domain, number, password);
  }

  /** Over WSS ({@code ssl}) or WS to {@code port}, path /, sub-protocol sip. */
  WebSocketSipClient(Vertx vertx, int port, boolean ssl, String domain, String number, String password)
      throws Exception {
    this.number = number;
    this.password = password;
    this.domain = domain;
    this.ssl = ssl;
    client = client(vertx, ssl);
    socket = client.connect(connectOptions(port, ssl).addSubProtocol("sip")).await(10, TimeUnit.SECONDS);
    socket.textMessageHandler(text -> received.add(SipMessageParser.parse(text)));
  }

  private static WebSocketClient client(Vertx vertx, boolean ssl) {
    return vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(ssl).setTrustAll(true)
        .setVerifyHost(false));
  }

  private static WebSocketConnectOptions connectOptions(int port, boolean ssl) {
    return new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setSsl(ssl).setURI("/");
  }

  /**
   * Opens a WebSocket without offering sub-protocol {@code sip} and returns how it ended: "refused: ..." when the
   * upgrade failed, or "closed CODE REASON" when the server closed it; fails when it stays open 10 s.
   */
  static String connectWithoutSipSubProtocol(Vertx vertx, int port, boolean ssl) throws Exception {
    WebSocketClient client = client(vertx, ssl);
    try {
      WebSocket ws;
      try {
        ws = client.connect(connectOptions(port, ssl)).await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        return "refused: " + e.getMessage();
      }
      java.util.concurrent.CompletableFuture<String> closed = new java.util.concurrent.CompletableFuture<>();
      try {
        ws.closeHandler(v -> closed.complete("closed " + ws.closeStatusCode() + " " + ws.closeReason()));
      } catch (IllegalStateException alreadyClosed) {
        // the server's close frame came before we could listen: read the outcome below
      }
      if (ws.isClosed()) {
        return "closed " + ws.closeStatusCode() + " " + ws.closeReason();
      }
      return closed.get(10, TimeUnit.SECONDS);
    } finally {
      client.close();
    }
  }

  String subProtocol() {
    return socket.subProtocol();
  }

  void send(SipMessage message) throws Exception {
    socket.writeTextMessage(new String(message.encode(), StandardCharsets.UTF_8)).await(5, TimeUnit.SECONDS);
  }

  /** The next message, skipping 100 Trying; fails after {@code seconds}. */
  SipMessage next(int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      long left = deadline - System.nanoTime();
      SipMessage m = received.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
      if (m == null) {
        throw new AssertionError("no SIP message within " + seconds + " s");
      }
      if (m instanceof SipResponse r && r.status() == 100) {
        continue;
      }
      return m;
    }
  }

  SipRequest nextRequest(int seconds) throws InterruptedException {
    SipMessage m = next(seconds);
    if (m instanceof SipRequest r) {
      return r;
    }
    throw new AssertionError("expected a request, got " + m.startLine());
  }

  /** REGISTER; answers the 401 with a SHA-256 digest; returns the final response. */
  SipResponse register(int expires) throws Exception {
    SipRequest first = registerRequest(expires);
    send(first);
    SipResponse r = (SipResponse) next(10);
    if (r.status() != 401) {
      return r;
    }
    AuthHeader challenge = r.wwwAuthenticates().stream().filter(h -> "SHA-256".equals(h.param("algorithm")))
        .findFirst().orElseThrow(() -> new AssertionError("no SHA-256 challenge in " + r));
    SipRequest second = registerRequest(expires);
    second.addHeader("Authorization", digest(challenge, "REGISTER", "sip:" + domain, "00000001"));
    send(second);
    return (SipResponse) next(10);
  }

  private SipRequest registerRequest(int expires) {
    SipRequest r = new SipRequest("REGISTER", one.webph.sip.message.Uri.parse("sip:" + domain));
    r.addHeader("Via", "SIP/2.0/" + (ssl ? "WSS " : "WS ") + contactHost + ";branch=z9hG4bK" + UUID.randomUUID().toString()
        .replace("-", ""));
    r.addHeader("Max-Forwards", "69");
    r.addHeader("To", "<sip:" + number + "@" + domain + ">");
    r.addHeader("From", "<sip:" + number + "@" + domain + ">;tag=" + callId.substring(0, 8));
    r.addHeader("Call-ID", callId);
    r.addHeader("CSeq", (cseq++) + " REGISTER");
    r.addHeader("Contact", contact() + ";+sip.instance=\"" + instance + "\";reg-id=1;expires=" + expires);
    r.addHeader("Supported", "path, gruu, outbound");
    r.addHeader("User-Agent", "JsSIP-like test client");
    return r;
  }

  String contact() {
    return "<sip:wsuser@" + contactHost + ";transport=ws>";
  }

  String digest(AuthHeader challenge, String method, String uri, String nc) throws Exception {
    String realm = challenge.param("realm");
    String nonce = challenge.param("nonce");
    String cnonce = UUID.randomUUID().toString().replace("-", "");
    String ha1 = sha256(number + ":" + realm + ":" + password);
    String ha2 = sha256(method + ":" + uri);
    String response = sha256(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2);
    return "Digest algorithm=SHA-256, username=\"" + number + "\", realm=\"" + realm + "\", nonce=\"" + nonce
        + "\", uri=\"" + uri + "\", response=\"" + response + "\", qop=auth, cnonce=\"" + cnonce + "\", nc=" + nc;
  }

  static String sha256(String text) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** Answers a request as a UAS: status, To tag, Record-Route copied (2xx/1xx of INVITE), our Contact. */
  SipResponse answer(SipRequest request, int status, String toTag, String sdp) throws Exception {
    SipResponse r = request.createResponse(status);
    if (toTag != null) {
      r.setToTag(toTag);
    }
    for (String rr : request.headerValues("Record-Route")) {
      r.addHeader("Record-Route", rr);
    }
    if (request.isMethod("INVITE")) {
      r.addHeader("Contact", contact());
    }
    if (sdp != null) {
      r.setBody(sdp.getBytes(StandardCharsets.UTF_8), "application/sdp");
    }
    send(r);
    return r;
  }

  void closeSocket() throws Exception {
    socket.close().await(5, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    try {
      if (!socket.isClosed()) {
        socket.close();
      }
    } finally {
      client.close();
    }
  }
}
