package one.webph.server.sip;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import one.webph.server.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** REGISTER with digest authentication, driven by sipp over UDP and TCP against an in-process server. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SipRegisterTest {
  private static TestServer server;
  private static int sipPort;
  private static final String NUMBER = "999100301";
  private static final String PASSWORD = "secret-pass-301";

  @BeforeAll
  static void start() throws Exception {
    assertThat(Sipp.available()).as("sipp (Debian sip-tester) is not installed; CI installs it").isTrue();
    sipPort = Sipp.freePort();
    server = TestServer.start(Map.of("SIP_PORT", Integer.toString(sipPort), "DOMAIN", "localhost",
        "NONCE_LIFETIME_SECONDS", "2"));
    assertThat(server.app().context().subscribers().create(NUMBER, PASSWORD, null).await(10, TimeUnit.SECONDS))
        .isTrue();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private String target() {
    return "127.0.0.1:" + sipPort;
  }

  @Test
  void registersWithDigestOverUdp() throws Exception {
    try (Sipp sipp = new Sipp()) {
      sipp.users("users", NUMBER, PASSWORD);
      int exit = sipp.run("reg-udp", 30, target(), "-sf", "register_auth.xml", "-inf", "users.csv", "-key", "domain",
          "localhost", "-key", "expires", "600", "-m", "1", "-t", "u1", "-p", Integer.toString(Sipp.freePort()),
          "-i", "127.0.0.1", "-timeout", "15", "-timeout_error");
      assertThat(exit).as(sipp.log("reg-udp")).isZero();
    }
  }

  @Test
  void registersWithDigestOverTcp() throws Exception {
    try (Sipp sipp = new Sipp()) {
      sipp.users("users", NUMBER, PASSWORD);
      int exit = sipp.run("reg-tcp", 30, target(), "-sf", "register_auth.xml", "-inf", "users.csv", "-key", "domain",
          "localhost", "-key", "expires", "600", "-m", "1", "-t", "t1", "-p", Integer.toString(Sipp.freePort()),
          "-i", "127.0.0.1", "-timeout", "15", "-timeout_error");
      assertThat(exit).as(sipp.log("reg-tcp")).isZero();
    }
  }

  @Test
  void wrongPasswordIsForbidden() throws Exception {
    try (Sipp sipp = new Sipp()) {
      sipp.users("users", NUMBER, "not-the-password");
      int exit = sipp.run("reg-wrong", 30, target(), "-sf", "register_wrong_password.xml", "-inf", "users.csv",
          "-key", "domain", "localhost", "-key", "expires", "600", "-m", "1", "-t", "u1", "-p",
          Integer.toString(Sipp.freePort()), "-i", "127.0.0.1", "-timeout", "15", "-timeout_error");
      assertThat(exit).as(sipp.log("reg-wrong")).isZero();
    }
  }

  @Test
  void expiredNonceGetsStaleChallenge() throws Exception {
    try (Sipp sipp = new Sipp()) {
      sipp.users("users", NUMBER, PASSWORD);
      int exit = sipp.run("reg-stale", 30, target(), "-sf", "register_expired_nonce.xml", "-inf", "users.csv",
          "-key", "domain", "localhost", "-key", "expires", "600", "-d", "3000", "-m", "1", "-t", "u1", "-p",
          Integer.toString(Sipp.freePort()), "-i", "127.0.0.1", "-timeout", "20", "-timeout_error");
      assertThat(exit).as(sipp.log("reg-stale")).isZero();
    }
  }
}
