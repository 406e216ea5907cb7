package one.webph.server.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/** Applies LOG_LEVEL to the application's loggers (libraries stay at INFO unless asked for less). */
public final class Logging {
  private Logging() {}

  public static void apply(String level) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    Level parsed = Level.toLevel(level, Level.INFO);
    context.getLogger("one.webph").setLevel(parsed);
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    if (parsed.isGreaterOrEqual(Level.WARN)) {
      root.setLevel(parsed);
    }
  }

  /** Command-line tools print their own results; only warnings and errors are logged. */
  public static void quiet() {
    apply("warn");
  }
}
