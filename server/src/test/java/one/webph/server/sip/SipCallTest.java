package one.webph.server.sip;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import one.webph.server.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Calls and messages between sipp agents registered to an in-process server: INVITE with 407, 180, 200, ACK,
 * BYE; busy; CANCEL before answer; unknown number; MESSAGE; a call across transports (TCP caller, UDP callee);
 * and flood protection. Each test uses its own callee number so a killed agent's binding cannot interfere.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SipCallTest {
  private static final String PASSWORD = "call-test-password";
  private static final String CALLER = "999100400";
  private static TestServer server;
  private static int sipPort;

  @BeforeAll
  static void start() throws Exception {
    assertThat(Sipp.available()).as("sipp (Debian sip-tester) is not installed; CI installs it").isTrue();
    sipPort = Sipp.freePort();
    server = TestServer.start(Map.of("SIP_PORT", Integer.toString(sipPort), "DOMAIN", "localhost",
        // sipp answers the first challenge, with MD5 only: the default order (MD5, SHA-256) suits it
        "FLOOD_EXEMPT_LOOPBACK", "false", "FLOOD_LIMIT", "40", "FLOOD_WINDOW_SECONDS", "2"));
    for (int i = 0; i <= 9; i++) {
      server.app().context().subscribers().create("99910040" + i, PASSWORD, null).await(10, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static String target() {
    return "127.0.0.1:" + sipPort;
  }

  /** Starts a registered callee answering with {@code oocsf}; returns once its UDP binding is stored. */
  private static Process callee(Sipp sipp, String number, String oocsf, String transport) throws Exception {
    sipp.users("callee", number, PASSWORD);
    Process p = sipp.start("callee", target(), "-sf", "uas_register_and_answer.xml", "-oocsf", oocsf, "-inf",
        "callee.csv", "-key", "domain", "localhost", "-key", "expires", "600", "-d", "60000", "-m", "1", "-t",
        transport, "-p", Integer.toString(Sipp.freePort()), "-i", "127.0.0.1");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      if (transport.startsWith("u") ? storedBindings(number) > 0 : registeredOverConnection(sipp)) {
        return p;
      }
      assertThat(p.isAlive()).as(sipp.log("callee")).isTrue();
      Thread.sleep(100);
    }
    throw new AssertionError("callee " + number + " did not register: " + sipp.log("callee"));
  }

  private static boolean registeredOverConnection(Sipp sipp) {
    return sipp.log("callee").contains("200 <----------         1");
  }

  static int storedBindings(String number) {
    return server.app().context().database().callBlocking(connection -> {
      try (PreparedStatement s = connection.prepareStatement("SELECT COUNT(*) FROM sip_location WHERE number = ?")) {
        s.setString(1, number);
        try (ResultSet rows = s.executeQuery()) {
          rows.next();
          return rows.getInt(1);
        }
      }
    });
  }

  private int caller(Sipp sipp, String log, String scenario, String callee, String transport, String... extra)
      throws Exception {
    sipp.users("caller", CALLER, PASSWORD);
    java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("-sf", scenario, "-inf",
        "caller.csv", "-s", callee, "-key", "domain", "localhost", "-t", transport, "-p",
        Integer.toString(Sipp.freePort()), "-i", "127.0.0.1", "-timeout", "30", "-timeout_error"));
    args.addAll(java.util.List.of(extra));
    if (!args.contains("-m")) {
      args.addAll(java.util.List.of("-m", "1"));
    }
    return sipp.run(log, 45, target(), args.toArray(String[]::new));
  }

  @Test
  void callIsSetUpAndTornDownTwiceInARow() throws Exception {
    try (Sipp sipp = new Sipp()) {
      callee(sipp, "999100401", "uas_answer.xml", "u1");
      // two sequential calls: the number is callable again right after the first call ended
      int exit = caller(sipp, "call", "uac_call_auth.xml", "999100401", "u1", "-m", "2", "-l", "1", "-d", "200");
      assertThat(exit).as(sipp.log("call")).isZero();
    }
  }

  @Test
  void callFromTcpToUdpIsDoubleRecordRouted() throws Exception {
    try (Sipp sipp = new Sipp()) {
      callee(sipp, "999100406", "uas_answer.xml", "u1");
      int exit = caller(sipp, "call-tcp", "uac_call_auth.xml", "999100406", "t1", "-d", "200");
      assertThat(exit).as(sipp.log("call-tcp")).isZero();
    }
  }

  @Test
  void busyCalleeAnswer486ReachesTheCaller() throws Exception {
    try (Sipp sipp = new Sipp()) {
      callee(sipp, "999100402", "uas_busy.xml", "u1");
      int exit = caller(sipp, "busy", "uac_call_busy.xml", "999100402", "u1");
      assertThat(exit).as(sipp.log("busy")).isZero();
    }
  }

  @Test
  void cancelBeforeAnswerEndsWith487() throws Exception {
    try (Sipp sipp = new Sipp()) {
      callee(sipp, "999100403", "uas_ring.xml", "u1");
      int exit = caller(sipp, "cancel", "uac_cancel.xml", "999100403", "u1");
      assertThat(exit).as(sipp.log("cancel")).isZero();
    }
  }

  @Test
  void unknownNumberGets404() throws Exception {
    try (Sipp sipp = new Sipp()) {
      int exit = caller(sipp, "unknown", "uac_unknown.xml", "999100499", "u1");
      assertThat(exit).as(sipp.log("unknown")).isZero();
    }
  }

  @Test
  void messageIsDelivered() throws Exception {
    try (Sipp sipp = new Sipp()) {
      callee(sipp, "999100404", "uas_message.xml", "u1");
      int exit = caller(sipp, "message", "uac_message.xml", "999100404", "u1");
      assertThat(exit).as(sipp.log("message")).isZero();
    }
  }

  @Test
  void floodingSourceIsBannedWhileAnotherSourceIsServed() throws Exception {
    try (Sipp sipp = new Sipp()) {
      int flood = sipp.run("flood", 30, target(), "-sf", "options_flood.xml", "-key", "domain", "localhost", "-i",
          "127.0.0.2", "-p", Integer.toString(Sipp.freePort()), "-r", "100", "-m", "200", "-nr", "-t", "u1",
          "-timeout", "15");
      assertThat(flood).as(sipp.log("flood")).isZero();
      int banned = sipp.run("ping-banned", 15, target(), "-sf", "options_ping.xml", "-key", "domain", "localhost",
          "-i", "127.0.0.2", "-p", Integer.toString(Sipp.freePort()), "-m", "1", "-t", "u1", "-timeout", "5",
          "-timeout_error");
      assertThat(banned).as("a banned source gets no answer: " + sipp.log("ping-banned")).isNotZero();
      int other = sipp.run("ping-other", 15, target(), "-sf", "options_ping.xml", "-key", "domain", "localhost",
          "-i", "127.0.0.3", "-p", Integer.toString(Sipp.freePort()), "-m", "1", "-t", "u1", "-timeout", "5",
          "-timeout_error");
      assertThat(other).as(sipp.log("ping-other")).isZero();
    }
  }
}
