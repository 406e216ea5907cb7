package one.webph.server.sip;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import one.webph.server.testing.TestFiles;
import one.webph.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A UDP registration survives a server restart: the restarted server routes a call to it without a new REGISTER. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SipRestartTest {
  private static final String PASSWORD = "restart-password";

  @Test
  void udpRegistrationSurvivesARestart() throws Exception {
    assertThat(Sipp.available()).as("sipp (Debian sip-tester) is not installed; CI installs it").isTrue();
    Path dataDir = Files.createTempDirectory("wp-sip-restart-");
    int sipPort = Sipp.freePort();
    int calleePort = Sipp.freePort();
    Map<String, String> config = Map.of("DATA_DIR", dataDir.toString(), "SIP_PORT", Integer.toString(sipPort),
        "DOMAIN", "localhost");
    String target = "127.0.0.1:" + sipPort;
    try (Sipp sipp = new Sipp()) {
      try (TestServer first = TestServer.start(config)) {
        first.app().context().subscribers().create("999100601", PASSWORD, null).await(10, TimeUnit.SECONDS);
        first.app().context().subscribers().create("999100602", PASSWORD, null).await(10, TimeUnit.SECONDS);
        sipp.users("callee", "999100602", PASSWORD);
        int registered = sipp.run("register", 30, target, "-sf", "register_auth.xml", "-inf", "callee.csv", "-key",
            "domain", "localhost", "-key", "expires", "600", "-m", "1", "-t", "u1", "-p", Integer.toString(calleePort),
            "-i", "127.0.0.1", "-timeout", "15", "-timeout_error");
        assertThat(registered).as(sipp.log("register")).isZero();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (first.app().context().database().callBlocking(c -> {
          try (var s = c.createStatement(); var rows = s.executeQuery("SELECT COUNT(*) FROM sip_location")) {
            rows.next();
            return rows.getInt(1);
          }
        }) == 0 && System.nanoTime() < deadline) {
          Thread.sleep(50); // the binding is written behind the in-memory table
        }
      }
      try (TestServer second = TestServer.start(config)) {
        // the callee answers on the port it registered from; no new REGISTER
        Process callee = sipp.start("callee", target, "-sf", "uas_answer.xml", "-p", Integer.toString(calleePort),
            "-i", "127.0.0.1", "-t", "u1", "-m", "1");
        sipp.users("caller", "999100601", PASSWORD);
        int exit = sipp.run("call", 40, target, "-sf", "uac_call_auth.xml", "-inf", "caller.csv", "-s", "999100602",
            "-key", "domain", "localhost", "-t", "u1", "-p", Integer.toString(Sipp.freePort()), "-i", "127.0.0.1",
            "-m", "1", "-d", "200", "-timeout", "20", "-timeout_error");
        assertThat(exit).as(sipp.log("call") + "\n--- callee\n" + sipp.log("callee")).isZero();
        Sipp.waitFor(callee, 10);
      }
    } finally {
      TestFiles.deleteRecursively(dataDir);
    }
  }
}
