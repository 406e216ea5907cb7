package one.webph.server.cli;

import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.Callable;
import one.webph.server.config.Config;
import one.webph.server.db.Database;
import one.webph.server.numbers.Credentials;
import one.webph.server.numbers.Subscriber;
import one.webph.server.numbers.SubscriberStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Subscriber administration against the configured database (works while the server runs, H2 AUTO_SERVER). */
@Command(name = "numbers", mixinStandardHelpOptions = true, description = "Manage numbers (SIP accounts).",
    subcommands = {NumbersCommand.Add.class, NumbersCommand.ListNumbers.class, NumbersCommand.Remove.class,
        NumbersCommand.Passwd.class})
public final class NumbersCommand {

  /** Base: opens the database (migrating it), runs, closes. Failures print one line and exit 1. */
  abstract static class StoreCommand implements Callable<Integer> {
    @Mixin ConfigOptions configOptions;

    @Override
    public final Integer call() {
      Config config = configOptions.load();
      Logging.quiet();
      try (Database database = new Database(config, null, null)) {
        database.migrate();
        return run(new SubscriberStore(database, config.domain()));
      }
    }

    abstract int run(SubscriberStore store);
  }

  static String passwordOrGenerated(String password) {
    if (password == null) {
      return Credentials.generatePassword(new SecureRandom());
    }
    Credentials.validatePassword(password);
    return password;
  }

  @Command(name = "add", mixinStandardHelpOptions = true,
      description = "Add a number; prints the password when it is generated.")
  static final class Add extends StoreCommand {
    @Parameters(paramLabel = "NUMBER", description = "Digits only.") String number;
    @Option(names = "--password", description = "Password (default: generated and printed once).") String password;
    @Option(names = "--email", description = "Contact address to store.") String email;

    @Override
    int run(SubscriberStore store) {
      SubscriberStore.validateNumber(number);
      String chosen = passwordOrGenerated(password);
      if (!store.create(number, chosen, email).await()) {
        throw new IllegalArgumentException("number " + number + " already exists");
      }
      System.out.println("added " + number + "@" + store.realm()
          + (password == null ? " password: " + chosen : ""));
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List all numbers.")
  static final class ListNumbers extends StoreCommand {
    @Override
    int run(SubscriberStore store) {
      List<Subscriber> subscribers = store.list().await();
      for (Subscriber s : subscribers) {
        System.out.printf("%-20s %-25s %-9s %s%n", s.number(), s.createdAt(), s.disabled() ? "disabled" : "enabled",
            s.email() == null ? "" : s.email());
      }
      System.out.println(subscribers.size() + " number(s)");
      return 0;
    }
  }

  @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a number.")
  static final class Remove extends StoreCommand {
    @Parameters(paramLabel = "NUMBER") String number;

    @Override
    int run(SubscriberStore store) {
      if (!store.delete(number).await()) {
        throw new IllegalArgumentException("no such number: " + number);
      }
      System.out.println("removed " + number);
      return 0;
    }
  }

  @Command(name = "passwd", mixinStandardHelpOptions = true,
      description = "Set a new password; prints it when it is generated.")
  static final class Passwd extends StoreCommand {
    @Parameters(paramLabel = "NUMBER") String number;
    @Option(names = "--password", description = "New password (default: generated and printed once).") String password;

    @Override
    int run(SubscriberStore store) {
      String chosen = passwordOrGenerated(password);
      if (!store.setPassword(number, chosen).await()) {
        throw new IllegalArgumentException("no such number: " + number);
      }
      System.out.println("password changed for " + number + (password == null ? ": " + chosen : ""));
      return 0;
    }
  }
}
