package one.webph.server.sip;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.List;
import one.webph.server.testing.SippRunner;

/** A sipp runner with the scenarios of src/test/resources/sip/ in its work dir. */
final class Sipp extends SippRunner {

  Sipp() throws IOException {
    super("wp-sipp-");
    for (String name : List.of("register_auth", "register_expired_nonce", "register_wrong_password", "uac_call_auth",
        "uac_call_busy", "uac_cancel", "uac_message", "uac_unknown", "uas_answer", "uas_busy", "uas_message",
        "uas_register_and_answer", "uas_ring", "options_flood", "options_ping", "uac_unavailable", "uac_call_timeout")) {
      try (InputStream in = Sipp.class.getResourceAsStream("/sip/" + name + ".xml")) {
        Files.copy(in, workDir().resolve(name + ".xml"));
      }
    }
  }
}
