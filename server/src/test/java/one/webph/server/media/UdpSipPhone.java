package one.webph.server.media;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import one.webph.sip.message.AuthHeader;
import one.webph.sip.message.NameAddress;
import one.webph.sip.message.SipMessage;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.message.Uri;
import one.webph.sip.parser.SipMessageParser;

/**
 * A minimal SIP phone over UDP on loopback for tests: REGISTER and INVITE with MD5 digest (qop=auth), answers as
 * a UAS, ACK/BYE along the dialog's route set. Blocking helpers with timeouts; every message goes via the proxy.
 */
final class UdpSipPhone implements AutoCloseable {
  final String number;
  private final String password;
  private final String domain;
  private final InetSocketAddress proxy;
  private final DatagramSocket socket;
  private final BlockingQueue<SipMessage> received = new LinkedBlockingQueue<>();
  private final Thread reader;
  private final String tag = UUID.randomUUID().toString().substring(0, 8);
  private int cseq = 1;

  // dialog state (UAC side)
  private String dialogCallId;
  private String remoteTarget;
  private List<String> routeSet = List.of();
  private String remoteTo;
  private int inviteCseq;

  UdpSipPhone(String number, String password, String domain, int proxyPort) throws SocketException {
    this.number = number;
    this.password = password;
    this.domain = domain;
    this.proxy = new InetSocketAddress(InetAddress.getLoopbackAddress(), proxyPort);
    this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    this.reader = new Thread(this::readLoop, "udp-sip-phone-" + number);
    reader.setDaemon(true);
    reader.start();
  }

  private void readLoop() {
    byte[] buffer = new byte[65535];
    while (!socket.isClosed()) {
      try {
        DatagramPacket p = new DatagramPacket(buffer, buffer.length);
        socket.receive(p);
        received.add(SipMessageParser.parseDatagram(Arrays.copyOf(p.getData(), p.getLength())));
      } catch (java.io.IOException e) {
        return; // closed
      } catch (RuntimeException e) {
        // unparsable datagram (keep-alive etc.): ignore
      }
    }
  }

  private String contact() {
    return "<sip:" + number + "@127.0.0.1:" + socket.getLocalPort() + ">";
  }

  private String via() {
    return "SIP/2.0/UDP 127.0.0.1:" + socket.getLocalPort() + ";rport;branch=z9hG4bK"
        + UUID.randomUUID().toString().replace("-", "");
  }

  void send(SipMessage message) throws Exception {
    byte[] data = message.encode();
    socket.send(new DatagramPacket(data, data.length, proxy));
  }

  /** The next message, skipping 100 Trying and retransmitted requests/responses we already handled. */
  SipMessage next(int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      SipMessage m = received.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (m == null) {
        throw new AssertionError(number + ": no SIP message within " + seconds + " s");
      }
      if (m instanceof SipResponse r && r.status() == 100) {
        continue;
      }
      return m;
    }
  }

  SipRequest nextRequest(String method, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      int left = (int) Math.max(1, TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime()));
      SipMessage m = next(left);
      if (m instanceof SipRequest r && r.isMethod(method)) {
        return r;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(number + ": no " + method + " within " + seconds + " s");
      }
    }
  }

  /** The next final response (provisional ones are skipped). */
  SipResponse finalResponse(int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      int left = (int) Math.max(1, TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime()));
      SipMessage m = next(left);
      if (m instanceof SipResponse r && r.isFinal()) {
        return r;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(number + ": no final response within " + seconds + " s");
      }
    }
  }

  /** REGISTER with a digest answer to the 401; returns the final response. */
  SipResponse register(int expires) throws Exception {
    String callId = UUID.randomUUID().toString();
    SipRequest first = registerRequest(callId, expires);
    send(first);
    SipResponse r = finalResponse(10);
    if (r.status() != 401) {
      return r;
    }
    SipRequest second = registerRequest(callId, expires);
    second.addHeader("Authorization", digest(md5Challenge(r.wwwAuthenticates()), "REGISTER", "sip:" + domain));
    send(second);
    return finalResponse(10);
  }

  private SipRequest registerRequest(String callId, int expires) {
    SipRequest r = new SipRequest("REGISTER", Uri.parse("sip:" + domain));
    r.addHeader("Via", via());
    r.addHeader("Max-Forwards", "70");
    r.addHeader("To", "<sip:" + number + "@" + domain + ">");
    r.addHeader("From", "<sip:" + number + "@" + domain + ">;tag=" + tag);
    r.addHeader("Call-ID", callId);
    r.addHeader("CSeq", (cseq++) + " REGISTER");
    r.addHeader("Contact", contact() + ";expires=" + expires);
    return r;
  }

  /** Sends an INVITE with {@code sdp} to {@code callee}, answers the 407, returns the final response. */
  SipResponse invite(String callee, String sdp) throws Exception {
    dialogCallId = UUID.randomUUID().toString();
    SipRequest first = inviteRequest(callee, sdp);
    send(first);
    SipResponse challenge = finalResponse(10);
    if (challenge.status() != 407) {
      return challenge;
    }
    send(first.createNon2xxAck(challenge));
    SipRequest second = inviteRequest(callee, sdp);
    second.addHeader("Proxy-Authorization", digest(md5Challenge(challenge.proxyAuthenticates()), "INVITE",
        "sip:" + callee + "@" + domain));
    send(second);
    SipResponse answer = finalResponse(20);
    if (answer.isSuccess()) {
      remoteTarget = answer.contacts().get(0).uri().toString();
      List<String> routes = new ArrayList<>();
      for (NameAddress rr : answer.recordRoutes()) {
        routes.add(0, rr.toString()); // UAC route set: Record-Route in reverse order
      }
      routeSet = routes;
      remoteTo = answer.header("To");
    } else {
      send(second.createNon2xxAck(answer));
    }
    return answer;
  }

  private SipRequest inviteRequest(String callee, String sdp) {
    SipRequest r = new SipRequest("INVITE", Uri.parse("sip:" + callee + "@" + domain));
    r.addHeader("Via", via());
    r.addHeader("Max-Forwards", "70");
    r.addHeader("From", "<sip:" + number + "@" + domain + ">;tag=" + tag);
    r.addHeader("To", "<sip:" + callee + "@" + domain + ">");
    r.addHeader("Call-ID", dialogCallId);
    inviteCseq = cseq++;
    r.addHeader("CSeq", inviteCseq + " INVITE");
    r.addHeader("Contact", contact());
    if (sdp != null) { // null: a late offer, the callee offers in its 2xx
      r.setBody(sdp.getBytes(StandardCharsets.UTF_8), "application/sdp");
    }
    return r;
  }

  /** ACK of the 2xx, along the route set. */
  void ack() throws Exception {
    ack(null);
  }

  /** ACK of the 2xx carrying {@code sdp} (the answer to a late offer), or none when null. */
  void ack(String sdp) throws Exception {
    SipRequest ack = inDialog("ACK", inviteCseq);
    if (sdp != null) {
      ack.setBody(sdp.getBytes(StandardCharsets.UTF_8), "application/sdp");
    }
    send(ack);
  }

  /** BYE along the route set; returns the final response. */
  SipResponse bye() throws Exception {
    send(inDialog("BYE", cseq++));
    return finalResponse(10);
  }

  private SipRequest inDialog(String method, int number) {
    SipRequest r = new SipRequest(method, Uri.parse(remoteTarget));
    r.addHeader("Via", via());
    r.addHeader("Max-Forwards", "70");
    for (String route : routeSet) {
      r.addHeader("Route", route);
    }
    r.addHeader("From", "<sip:" + this.number + "@" + domain + ">;tag=" + tag);
    r.addHeader("To", remoteTo);
    r.addHeader("Call-ID", dialogCallId);
    r.addHeader("CSeq", number + " " + method);
    return r;
  }

  /** Answers a request as a UAS (Record-Route copied, our Contact on INVITE responses). */
  void answer(SipRequest request, int status, String toTag, String sdp) throws Exception {
    SipResponse r = request.createResponse(status);
    if (toTag != null) {
      r.setToTag(toTag);
    }
    if (request.isMethod("INVITE")) {
      for (String rr : request.headerValues("Record-Route")) {
        r.addHeader("Record-Route", rr);
      }
      r.addHeader("Contact", contact());
    }
    if (sdp != null) {
      r.setBody(sdp.getBytes(StandardCharsets.UTF_8), "application/sdp");
    }
    send(r);
  }

  private static AuthHeader md5Challenge(List<AuthHeader> challenges) {
    return challenges.stream().filter(h -> h.param("algorithm") == null || "MD5".equalsIgnoreCase(h.param("algorithm")))
        .findFirst().orElseThrow(() -> new AssertionError("no MD5 challenge in " + challenges));
  }

  private String digest(AuthHeader challenge, String method, String uri) throws Exception {
    String realm = challenge.param("realm");
    String nonce = challenge.param("nonce");
    String cnonce = UUID.randomUUID().toString().replace("-", "");
    String nc = "00000001";
    String ha1 = md5(number + ":" + realm + ":" + password);
    String ha2 = md5(method + ":" + uri);
    String response = md5(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2);
    return "Digest username=\"" + number + "\", realm=\"" + realm + "\", nonce=\"" + nonce + "\", uri=\"" + uri
        + "\", response=\"" + response + "\", algorithm=MD5, qop=auth, cnonce=\"" + cnonce + "\", nc=" + nc;
  }

  private static String md5(String text) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Override
  public void close() {
    socket.close();
  }
}
