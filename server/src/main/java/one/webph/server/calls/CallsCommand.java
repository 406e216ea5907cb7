package one.webph.server.calls;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.Callable;
import one.webph.server.cli.ConfigOptions;
import one.webph.server.cli.Logging;
import one.webph.server.config.Config;
import one.webph.server.db.Database;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code webphone calls list}: call records for operators, as a table or CSV (works while the server runs). */
@Command(name = "calls", mixinStandardHelpOptions = true, description = "Call records.",
    subcommands = {CallsCommand.ListCalls.class})
public final class CallsCommand {
  static final String CSV_HEADER = "call_id,caller,callee,source,route,start,answer,end,duration_seconds,outcome,"
      + "status,end_reason,media_stats";

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List calls started in a period, oldest first (times in UTC).")
  static final class ListCalls implements Callable<Integer> {
    @Mixin ConfigOptions configOptions;
    @Spec CommandSpec spec;

    @Option(names = "--since", paramLabel = "DATE", required = true,
        description = "First day (YYYY-MM-DD, UTC) or instant (e.g. 2026-11-01T08:00:00Z).")
    String since;
    @Option(names = "--until", paramLabel = "DATE",
        description = "End, exclusive: a day (YYYY-MM-DD: up to its start) or an instant. Default: no end.")
    String until;
    @Option(names = "--number", paramLabel = "NUMBER", description = "Only calls of this number.")
    String number;
    @Option(names = "--limit", paramLabel = "N", defaultValue = "100000",
        description = "At most N calls (default: ${DEFAULT-VALUE}).")
    int limit;
    @Option(names = "--csv", description = "CSV with a header line (RFC 4180) instead of a table.")
    boolean csv;

    @Override
    public Integer call() {
      long sinceMillis = parseTime("--since", since);
      Long untilMillis = until == null ? null : parseTime("--until", until);
      if (limit < 1) {
        throw new IllegalArgumentException("--limit must be at least 1");
      }
      Config config = configOptions.load();
      Logging.quiet();
      PrintWriter out = spec.commandLine().getOut();
      try (Database database = new Database(config, null, null)) {
        database.migrate();
        List<CallRecord> records = new CallRecordStore(database)
            .startedBetweenBlocking(sinceMillis, untilMillis, number, limit);
        if (csv) {
          out.println(CSV_HEADER);
          for (CallRecord r : records) {
            out.println(csvLine(r));
          }
        } else {
          for (CallRecord r : records) {
            out.printf("%-24s %-16s %-16s %-9s %3d %6s  %s  %s%n", Instant.ofEpochMilli(r.startMillis()),
                r.caller(), r.callee(), r.outcome().jsonName(), r.status(),
                r.durationSeconds() == null ? "-" : r.durationSeconds() + "s", r.route(), r.callId());
          }
          out.println(records.size() + " call(s)");
        }
        out.flush();
      }
      return 0;
    }
  }

  /** A day (its start, UTC) or an ISO-8601 instant, in epoch milliseconds. */
  static long parseTime(String option, String value) {
    try {
      if (value.length() == 10) {
        return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
      }
      return Instant.parse(value).toEpochMilli();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(option + ": '" + value + "' is neither a date (YYYY-MM-DD) nor an "
          + "instant (YYYY-MM-DDTHH:MM:SSZ)");
    }
  }

  static String csvLine(CallRecord r) {
    return String.join(",", csv(r.callId()), csv(r.caller()), csv(r.callee()), csv(r.source()), csv(r.route()),
        csv(time(r.startMillis())), csv(time(r.answerMillis())), csv(time(r.endMillis())),
        r.durationSeconds() == null ? "" : r.durationSeconds().toString(), r.outcome().jsonName(),
        Integer.toString(r.status()), csv(r.endReason()), csv(r.mediaStats()));
  }

  private static String time(Long millis) {
    return millis == null ? null : Instant.ofEpochMilli(millis).toString();
  }

  /** RFC 4180: quoted when it holds a comma, quote or line break; quotes doubled. */
  static String csv(String value) {
    if (value == null) {
      return "";
    }
    if (value.contains(",") || value.contains("\"") || value.contains("\n") || value.contains("\r")) {
      return "\"" + value.replace("\"", "\"\"") + "\"";
    }
    return value;
  }
}
