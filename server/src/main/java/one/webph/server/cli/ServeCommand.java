package one.webph.server.cli;

import java.util.concurrent.Callable;
import one.webph.server.ServerApp;
import one.webph.server.config.Config;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run the server (HTTP, HTTPS, API, SIP, media) until SIGTERM/SIGINT.")
public final class ServeCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;

  @Override
  public Integer call() throws Exception {
    Config config = configOptions.load();
    Logging.apply(config.logLevel());
    ServerApp app = new ServerApp(config);
    // SIGTERM/SIGINT: stop accepting, finish in-flight requests, close the database; then the JVM exits.
    Runtime.getRuntime().addShutdownHook(new Thread(app::stop, "webphone-shutdown"));
    app.start();
    Thread.currentThread().join(); // runs until the shutdown hook has stopped everything and the JVM halts
    return 0;
  }
}
