package one.webph.server.peers;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import one.webph.server.testing.SippRunner;

/**
 * A sipp runner for the peers tests: scenarios from /sip/ and /peers/ on the test classpath, placeholders
 * {@code @NAME@} filled in.
 */
final class PeerSipp extends SippRunner {

  PeerSipp() throws IOException {
    super("wp-peer-sipp-");
  }

  /** Copies a scenario into the work dir with its placeholders replaced; returns the file name. */
  String scenario(String resource, String as, Map<String, String> values) throws IOException {
    String text;
    try (InputStream in = PeerSipp.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("no scenario " + resource);
      }
      text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
    for (Map.Entry<String, String> e : values.entrySet()) {
      text = text.replace("@" + e.getKey() + "@", e.getValue());
    }
    Files.writeString(workDir().resolve(as), text, StandardCharsets.ISO_8859_1);
    return as;
  }
}
