package one.webph.server.testing;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One baresip user agent (Debian package baresip, v1.0) with a single account, driven through its ctrl_tcp module
 * (netstring-framed JSON: commands in, events such as CALL_ESTABLISHED out). It sends a 440 Hz tone (ausine) and
 * plays nothing, so no sound device is needed. The process lives at most {@link #MAX_SECONDS} and is killed in
 * {@link #close()}; its output (with the SIP trace) goes to baresip.log in its config directory.
 */
public final class Baresip implements AutoCloseable {
  /** Hard bound on the process life (baresip's own -t), whatever the test does. */
  public static final int MAX_SECONDS = 120;
  private static final Path BINARY = Path.of("/usr/bin/baresip");

  private final Path dir;
  private final Process process;
  private final Socket control;
  private final InputStream events;
  private final List<JsonObject> seen = new ArrayList<>();
  /** Received but not yet returned by an await (an event may arrive while waiting for a command's response). */
  private final List<JsonObject> unclaimed = new ArrayList<>();

  /**
   * Starts baresip with one account line (baresip's accounts syntax, e.g.
   * {@code <sip:100@example.org;transport=tls>;auth_pass=...;outbound="sip:127.0.0.1:5061;transport=tls"}) and
   * connects to its control port.
   *
   * @param caFile the CA file for TLS (the server's self-signed certificate), or null
   */
  public Baresip(String account, Path caFile) throws Exception {
    if (!available()) {
      throw new IllegalStateException("baresip is not installed (Debian package baresip); CI installs it");
    }
    dir = Files.createTempDirectory("wp-baresip-");
    int controlPort = SippRunner.freePort();
    // sip_listen port 0: libre binds UDP/TCP/TLS on ephemeral ports (tests run in parallel).
    // ausine produces 48 kHz stereo only: the source is resampled to the codec's 8 kHz mono.
    String config = String.join("\n",
        "poll_method epoll",
        "sip_listen 127.0.0.1:0",
        caFile != null ? "sip_cafile " + caFile : "",
        "module_path /usr/lib/baresip/modules",
        "module g711.so",
        "module ausine.so",
        "module_app account.so",
        "module_app menu.so",
        "module_app ctrl_tcp.so",
        "ctrl_tcp_listen 127.0.0.1:" + controlPort,
        "audio_source ausine,440",
        "ausrc_srate 48000",
        "ausrc_channels 2",
        "");
    Files.writeString(dir.resolve("config"), config);
    Files.writeString(dir.resolve("accounts"), account + "\n");
    process = new ProcessBuilder(BINARY.toString(), "-f", dir.toString(), "-s", "-t", Integer.toString(MAX_SECONDS))
        .redirectErrorStream(true).redirectOutput(dir.resolve("baresip.log").toFile()).start();
    try {
      control = connect(controlPort);
      control.setSoTimeout(200);
      events = control.getInputStream();
    } catch (Exception e) {
      close();
      throw e;
    }
  }

  public static boolean available() {
    return Files.isExecutable(BINARY);
  }

  private Socket connect(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        return s;
      } catch (ConnectException notYet) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          throw new IOException("baresip control port " + port + " not reachable: " + log(), notYet);
        }
        Thread.sleep(100);
      }
    }
  }

  /** Runs a menu command, e.g. {@code command("dial", "sip:100@example.org")}; fails unless baresip says ok. */
  public void command(String name, String params) throws Exception {
    String token = "t" + System.nanoTime();
    byte[] json = new JsonObject().put("command", name).put("params", params).put("token", token).encode()
        .getBytes(StandardCharsets.UTF_8);
    OutputStream out = control.getOutputStream();
    out.write((json.length + ":").getBytes(StandardCharsets.US_ASCII));
    out.write(json);
    out.write(',');
    out.flush();
    JsonObject response = await(m -> m.getBoolean("response", false) && token.equals(m.getString("token")), 10);
    if (!response.getBoolean("ok", false)) {
      throw new AssertionError("baresip refused '" + name + " " + params + "': " + response.encode());
    }
  }

  /** Waits for an event of this type (CALL_RINGING, CALL_ESTABLISHED, CALL_CLOSED...) not awaited before. */
  public JsonObject awaitEvent(String type, int seconds) throws Exception {
    return await(m -> m.getBoolean("event", false) && type.equals(m.getString("type")), seconds);
  }

  /** Every event and response received so far (for assertion messages). */
  public synchronized List<JsonObject> seen() {
    return List.copyOf(seen);
  }

  private synchronized JsonObject await(java.util.function.Predicate<JsonObject> wanted, int seconds)
      throws Exception {
    for (JsonObject m : unclaimed) {
      if (wanted.test(m)) {
        unclaimed.remove(m);
        return m;
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      JsonObject m = readNetstring();
      if (m == null) {
        continue;
      }
      seen.add(m);
      if (wanted.test(m)) {
        return m;
      }
      unclaimed.add(m);
    }
    throw new AssertionError("baresip: nothing matching within " + seconds + " s; got " + seen + "\n" + log());
  }

  /** One netstring ({@code LEN:JSON,}) or null when nothing arrived within the socket timeout. */
  private JsonObject readNetstring() throws IOException {
    int length = 0;
    while (true) {
      int c;
      try {
        c = events.read();
      } catch (SocketTimeoutException idle) {
        if (length == 0) {
          return null;
        }
        continue; // in the middle of a length prefix: the rest is on its way
      }
      if (c < 0) {
        throw new IOException("baresip closed its control connection: " + log());
      }
      if (c == ':') {
        break;
      }
      if (c < '0' || c > '9') {
        throw new IOException("bad netstring from baresip (byte " + c + ")");
      }
      length = length * 10 + (c - '0');
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream(length);
    while (body.size() < length + 1) { // the JSON and the trailing comma
      try {
        int c = events.read();
        if (c < 0) {
          throw new IOException("baresip closed its control connection: " + log());
        }
        body.write(c);
      } catch (SocketTimeoutException slow) {
        // keep reading the rest of this message
      }
    }
    return new JsonObject(new String(body.toByteArray(), 0, length, StandardCharsets.UTF_8));
  }

  /** The last part of baresip's output (SIP trace included). */
  public String log() {
    try {
      String s = Files.readString(dir.resolve("baresip.log"), StandardCharsets.ISO_8859_1);
      return s.length() > 8000 ? s.substring(s.length() - 8000) : s;
    } catch (IOException e) {
      return "(no baresip log: " + e + ")";
    }
  }

  @Override
  public void close() {
    try {
      if (control != null) {
        control.close();
      }
    } catch (IOException ignored) {
      // the process goes anyway
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    TestFiles.deleteRecursively(dir);
  }
}
