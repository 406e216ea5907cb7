package one.webph.server.migration;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import one.webph.server.numbers.Credentials;
import one.webph.server.numbers.Subscriber;
import one.webph.server.numbers.SubscriberStore;

/**
 * Imports SIP accounts from the original stack's Kamailio database (auth_db's {@code subscriber} table: 4.x
 * schema with {@code email_address}, 5.x without; columns are found by name) into our subscribers table, so
 * every number keeps working with its password.
 *
 * <p>A plain {@code password} gives both our HA1s. Without one, Kamailio's MD5 {@code ha1} is kept as is; it
 * hashes {@code number:realm:password}, so it is only usable when the row's domain (Kamailio's realm) is our
 * DOMAIN, and there is no SHA-256 HA1 (stored as null: that number authenticates with MD5 only).
 */
public final class KamailioImporter {
  private static final Pattern MD5_HEX = Pattern.compile("[0-9a-fA-F]{32}");
  private static final Pattern NUMBER = Pattern.compile("[0-9]{1,32}");
  private static final int MAX_EMAIL_LENGTH = 254;

  private final SubscriberStore target;

  /** @param target our subscribers; its realm (DOMAIN) is the realm imported hashes must be valid for */
  public KamailioImporter(SubscriberStore target) {
    this.target = target;
  }

  /** One row of Kamailio's subscriber table; absent columns and empty strings are null. */
  record KamailioSubscriber(String username, String domain, String password, String ha1, String email) {}

  /**
   * Opens the Kamailio database. {@code jdbc:mysql:} is read with the MariaDB driver (the only MySQL-protocol
   * driver we ship); other URLs (jdbc:mariadb:, jdbc:sqlite: for db_sqlite setups, jdbc:h2:) go to their driver.
   */
  public static Connection connect(String url, String user, String password) throws SQLException {
    String jdbcUrl = url.trim();
    if (jdbcUrl.startsWith("jdbc:mysql:")) {
      jdbcUrl = "jdbc:mariadb:" + jdbcUrl.substring("jdbc:mysql:".length());
    }
    if (!jdbcUrl.startsWith("jdbc:")) {
      throw new IllegalArgumentException("--db-url must be a JDBC URL such as jdbc:mysql://HOST:3306/kamailio, got '"
          + url + "'");
    }
    return DriverManager.getConnection(jdbcUrl, user, password);
  }

  /**
   * Imports every subscriber of the source (only those of {@code onlyDomain} when it is not null). Idempotent:
   * a second run finds every row unchanged.
   */
  public ImportCounts importFrom(Connection source, String onlyDomain) throws SQLException {
    List<KamailioSubscriber> rows = read(source, onlyDomain);
    // Rows of our realm first, so that a number present in several Kamailio domains gets its usable one.
    String realm = target.realm();
    rows.sort(java.util.Comparator.comparing(row -> !realm.equals(row.domain())));
    ImportCounts counts = new ImportCounts();
    Set<String> seen = new HashSet<>();
    for (KamailioSubscriber row : rows) {
      importRow(row, seen, counts);
    }
    return counts;
  }

  private void importRow(KamailioSubscriber row, Set<String> seen, ImportCounts counts) {
    String realm = target.realm();
    String who = row.username() + "@" + (row.domain() == null ? "" : row.domain());
    if (row.username() == null || !NUMBER.matcher(row.username()).matches()) {
      counts.skipped(who + ": skipped, the username is not a number of 1 to 32 digits");
      return;
    }
    if (!seen.add(row.username())) {
      counts.skipped(who + ": skipped, number " + row.username() + " was already imported from another domain");
      return;
    }
    String ha1;
    String ha1Sha256;
    if (row.password() != null) {
      ha1 = Credentials.ha1Md5(row.username(), realm, row.password());
      ha1Sha256 = Credentials.ha1Sha256(row.username(), realm, row.password());
      if (realm.equals(row.domain()) && row.ha1() != null && !row.ha1().equalsIgnoreCase(ha1)) {
        counts.warn(who + ": the password and ha1 columns disagree; imported the password");
      }
    } else if (row.ha1() == null) {
      counts.skipped(who + ": skipped, neither a password nor an ha1");
      return;
    } else if (!realm.equals(row.domain())) {
      counts.skipped(who + ": skipped, its ha1 was computed for realm '" + (row.domain() == null ? "" : row.domain())
          + "', not our DOMAIN '" + realm + "', and there is no plain password to recompute it; set a new one with "
          + "'webphone numbers add " + row.username() + "'");
      return;
    } else if (!MD5_HEX.matcher(row.ha1()).matches()) {
      counts.skipped(who + ": skipped, its ha1 is not an MD5 digest (32 hex digits)");
      return;
    } else {
      ha1 = row.ha1().toLowerCase(Locale.ROOT);
      ha1Sha256 = null; // unknown without the password
    }
    String email = row.email();
    if (email != null && email.length() > MAX_EMAIL_LENGTH) {
      counts.warn(who + ": email address longer than " + MAX_EMAIL_LENGTH + " characters not imported");
      email = null;
    }

    Optional<Subscriber> existing = target.findSubscriber(row.username()).await();
    if (existing.isPresent()) {
      Subscriber current = existing.get();
      boolean samePassword = ha1.equalsIgnoreCase(current.ha1());
      if (ha1Sha256 == null && samePassword) {
        ha1Sha256 = current.ha1Sha256(); // same password: keep the SHA-256 HA1 known here (e.g. from an earlier run)
      }
      if (email == null) {
        email = current.email();
      }
      if (samePassword && realm.equals(current.domain()) && equal(ha1Sha256, current.ha1Sha256())
          && equal(email, current.email())) {
        counts.unchanged();
        return;
      }
    }
    Subscriber imported = new Subscriber(row.username(), realm, ha1, ha1Sha256, email,
        Instant.now().truncatedTo(ChronoUnit.SECONDS), false);
    if (target.putWithHashes(imported).await()) {
      counts.imported();
    } else {
      counts.updated();
    }
  }

  static List<KamailioSubscriber> read(Connection source, String onlyDomain) throws SQLException {
    String sql = "SELECT * FROM subscriber" + (onlyDomain != null ? " WHERE domain = ?" : "");
    List<KamailioSubscriber> rows = new ArrayList<>();
    try (PreparedStatement select = source.prepareStatement(sql)) {
      if (onlyDomain != null) {
        select.setString(1, onlyDomain);
      }
      try (ResultSet result = select.executeQuery()) {
        Set<String> columns = columnNames(result.getMetaData());
        for (String required : List.of("username", "domain")) {
          if (!columns.contains(required)) {
            throw new IllegalArgumentException("the subscriber table has no " + required
                + " column: is this a Kamailio database? (columns: " + columns + ")");
          }
        }
        if (!columns.contains("password") && !columns.contains("ha1")) {
          throw new IllegalArgumentException("the subscriber table has neither a password nor an ha1 column");
        }
        while (result.next()) {
          rows.add(new KamailioSubscriber(text(result, columns, "username"), text(result, columns, "domain"),
              text(result, columns, "password"), text(result, columns, "ha1"),
              text(result, columns, "email_address")));
        }
      }
    } catch (SQLException e) {
      if (e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("subscriber")) {
        throw new IllegalArgumentException("cannot read Kamailio's subscriber table: " + e.getMessage(), e);
      }
      throw e;
    }
    return rows;
  }

  private static Set<String> columnNames(ResultSetMetaData meta) throws SQLException {
    Set<String> names = new java.util.LinkedHashSet<>();
    for (int i = 1; i <= meta.getColumnCount(); i++) {
      names.add(meta.getColumnLabel(i).toLowerCase(Locale.ROOT));
    }
    return names;
  }

  /** The column's value, trimmed; null when the column is absent, NULL or empty (Kamailio's default ''). */
  private static String text(ResultSet result, Set<String> columns, String column) throws SQLException {
    if (!columns.contains(column)) {
      return null;
    }
    String value = result.getString(column);
    if (value == null) {
      return null;
    }
    // CHAR columns come back space-padded from some drivers; passwords never end in spaces in Kamailio's tools.
    String trimmed = column.equals("password") ? value : value.strip();
    return trimmed.isEmpty() ? null : trimmed;
  }

  private static boolean equal(String a, String b) {
    return a == null ? b == null : a.equals(b);
  }
}
