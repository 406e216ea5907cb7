package one.webph.server.numbers;

import io.vertx.core.Future;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Allocates a new number: prefix + NUMBER_DIGITS random digits (SecureRandom) with a generated password. A
 * collision is detected by the primary key (insert, catch duplicate) and retried; when random tries keep
 * colliding the free numbers of the prefix are listed, and a prefix with none left is reported as full.
 */
public final class NumberAllocator {
  /** Random attempts before listing the prefix's free numbers (a nearly full prefix). */
  private static final int RANDOM_ATTEMPTS = 16;
  /** Rounds of "list free numbers, try some" before giving up (only under heavy concurrent allocation). */
  private static final int SCAN_ROUNDS = 3;
  /** Largest prefix capacity whose free numbers are listed (10^6 numbers, a few MB). */
  private static final long MAX_SCAN = 1_000_000;

  /** A created account; the password is shown once and never stored. */
  public record Allocation(String number, String password, String domain) {}

  /** Every number of the prefix is taken. */
  public static final class PrefixFullException extends RuntimeException {
    public PrefixFullException(String prefix) {
      super("all numbers with prefix " + prefix + " are taken", null, false, false);
    }
  }

  private final SubscriberStore store;
  private final int digits;
  private final SecureRandom random;

  public NumberAllocator(SubscriberStore store, int digits, SecureRandom random) {
    this.store = store;
    this.digits = digits;
    this.random = random;
  }

  /** Allocates a number with this prefix; fails with {@link PrefixFullException} when none is left. */
  public Future<Allocation> allocate(String prefix, String email) {
    return store.database().call(connection -> allocate(connection, prefix, email));
  }

  private Allocation allocate(Connection connection, String prefix, String email) throws SQLException {
    for (int attempt = 0; attempt < RANDOM_ATTEMPTS; attempt++) {
      Allocation created = tryInsert(connection, prefix + randomDigits(), email);
      if (created != null) {
        return created;
      }
    }
    int length = prefix.length() + digits;
    long capacity = (long) Math.pow(10, digits);
    if (capacity > MAX_SCAN) {
      // Listing a huge prefix is not worth it: 16 straight collisions mean it is practically full anyway.
      throw new PrefixFullException(prefix);
    }
    for (int round = 0; round < SCAN_ROUNDS; round++) {
      Set<String> taken = new HashSet<>(SubscriberStore.numbersWithPrefix(connection, prefix, length));
      if (taken.size() >= capacity) {
        throw new PrefixFullException(prefix);
      }
      List<String> free = new ArrayList<>();
      String format = "%0" + digits + "d";
      for (long suffix = 0; suffix < capacity; suffix++) {
        String number = prefix + String.format(format, suffix);
        if (!taken.contains(number)) {
          free.add(number);
        }
      }
      // Try a few random free numbers; others may be taking them concurrently.
      for (int attempt = 0; attempt < RANDOM_ATTEMPTS && !free.isEmpty(); attempt++) {
        String number = free.remove(random.nextInt(free.size()));
        Allocation created = tryInsert(connection, number, email);
        if (created != null) {
          return created;
        }
      }
    }
    throw new PrefixFullException(prefix);
  }

  private Allocation tryInsert(Connection connection, String number, String email) throws SQLException {
    String password = Credentials.generatePassword(random);
    Subscriber subscriber = store.newSubscriber(number, password, email);
    return SubscriberStore.insert(connection, subscriber) ? new Allocation(number, password, store.realm()) : null;
  }

  private String randomDigits() {
    StringBuilder out = new StringBuilder(digits);
    for (int i = 0; i < digits; i++) {
      out.append((char) ('0' + random.nextInt(10)));
    }
    return out.toString();
  }
}
