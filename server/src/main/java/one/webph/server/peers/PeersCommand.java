package one.webph.server.peers;

import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.net.HttpURLConnection;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import one.webph.server.cli.ConfigOptions;
import one.webph.server.config.Config;
import one.webph.server.config.ConfigKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code webphone peers list|status}: the configured community peers, and the running server's view of them. */
@Command(name = "peers", mixinStandardHelpOptions = true, description = "Community peers (PEER_* configuration).",
    subcommands = {PeersCommand.ListPeers.class, PeersCommand.Status.class})
public final class PeersCommand {

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Check and list the configured peers.")
  static final class ListPeers implements Callable<Integer> {
    @Mixin ConfigOptions configOptions;

    @Override
    public Integer call() {
      List<Peer> peers = PeersComponent.load(configOptions.load());
      if (peers.isEmpty()) {
        System.out.println("no community peer configured");
      }
      for (Peer p : peers) {
        System.out.printf("%-16s %-10s prefixes=%s regex=%s %s%n", p.name(), p.kind().name().toLowerCase(Locale.ROOT),
            p.prefixes(), p.patterns(), p.kind() == Peer.Kind.REGISTERED ? "number=" + p.number()
                : "targets=" + p.targets());
      }
      return 0;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Up/down state of each peer as the running server sees it (its /status.json).")
  static final class Status implements Callable<Integer> {
    @Mixin ConfigOptions configOptions;
    @Spec CommandSpec spec;

    @Option(names = "--url", description = "The server's status URL; default https://127.0.0.1:<HTTPS_PORT>/status.json "
        + "(the server's own certificate is not verified: status is public information).")
    URI url;

    @Override
    public Integer call() throws Exception {
      URI target = url;
      if (target == null) {
        Config config = configOptions.load();
        target = URI.create("https://127.0.0.1:" + config.get(ConfigKeys.HTTPS_PORT) + "/status.json");
      }
      String body = fetch(target);
      PrintWriter out = spec.commandLine().getOut();
      JsonObject status = new JsonObject(body);
      int down = 0;
      for (Object o : status.getJsonArray("peers")) {
        JsonObject p = (JsonObject) o;
        boolean up = p.getBoolean("up");
        down += up ? 0 : 1;
        out.printf("%-16s %-10s %-4s since %s (%s)%n", p.getString("name"), p.getString("kind"),
            up ? "up" : "down", p.getString("since"), p.getString("detail"));
        for (Object t : p.getJsonArray("targets")) {
          JsonObject target1 = (JsonObject) t;
          out.printf("    %-30s %-4s since %s (%s)%n", target1.getString("target"),
              target1.getBoolean("up") ? "up" : "down", target1.getString("since"), target1.getString("detail"));
        }
      }
      if (status.getJsonArray("peers").isEmpty()) {
        out.println("no community peer configured");
      }
      out.flush();
      return down == 0 ? 0 : 3; // 3: some link is down (for monitoring scripts)
    }

    /** GET with the server's own (often self-signed, other-named) certificate accepted: loopback by default. */
    private static String fetch(URI target) throws Exception {
      TrustManager trustAll = new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) { }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) { }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      };
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, new TrustManager[] {trustAll}, null);
      HttpURLConnection connection = (HttpURLConnection) target.toURL().openConnection();
      if (connection instanceof HttpsURLConnection https) {
        https.setSSLSocketFactory(ssl.getSocketFactory());
        https.setHostnameVerifier((host, session) -> true);
      }
      connection.setConnectTimeout(5_000);
      connection.setReadTimeout(10_000);
      try {
        int code = connection.getResponseCode();
        if (code != 200) {
          throw new IllegalStateException(target + " answered HTTP " + code);
        }
        try (var in = connection.getInputStream()) {
          return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
      } catch (java.io.IOException e) {
        throw new IllegalStateException("server not reachable at " + target + ": " + e.getMessage());
      } finally {
        connection.disconnect();
      }
    }
  }
}
