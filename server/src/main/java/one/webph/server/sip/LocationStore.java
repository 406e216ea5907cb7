package one.webph.server.sip;

import io.vertx.core.Future;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import one.webph.server.db.Database;
import one.webph.sip.message.Uri;
import one.webph.sip.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persists the UDP bindings of {@link LocationService} in the {@code sip_location} table (written behind the
 * in-memory table, per number, never on an event loop) and loads them at startup.
 */
public final class LocationStore {
  private static final Logger log = LoggerFactory.getLogger(LocationStore.class);
  private static final String COLUMNS = "number, binding_key, contact_uri, instance_id, reg_id, call_id, cseq, "
      + "expires_at, flow_id, transport, source_host, source_port, user_agent, registered_at, q";

  private final Database database;
  private final LocationService location;
  /** Last write per number: writes of one number run in order, each storing the state current when it runs. */
  private final Map<String, Future<Void>> lastWrite = new HashMap<>();

  public LocationStore(Database database, LocationService location) {
    this.database = database;
    this.location = location;
  }

  /** Reads every unexpired binding (blocking: startup only) and deletes expired rows. */
  public List<Binding> loadBlocking(long nowMillis) {
    return database.callBlocking(connection -> {
      try (PreparedStatement delete = connection.prepareStatement("DELETE FROM sip_location WHERE expires_at <= ?")) {
        delete.setLong(1, nowMillis);
        delete.executeUpdate();
      }
      List<Binding> out = new ArrayList<>();
      try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS + " FROM sip_location");
          ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          try {
            out.add(new Binding(rows.getString(1), Uri.parse(rows.getString(3)), rows.getString(4), rows.getInt(5),
                rows.getString(6), rows.getLong(7), rows.getLong(8), rows.getString(9),
                Transport.fromName(rows.getString(10)), rows.getString(11), rows.getInt(12), rows.getString(13),
                rows.getLong(14), rows.getDouble(15)));
          } catch (RuntimeException e) {
            log.warn("ignoring unreadable stored binding of {}: {}", rows.getString(1), e.getMessage());
          }
        }
      }
      return out;
    });
  }

  /** Schedules writing the current UDP bindings of a number. */
  public synchronized Future<Void> persist(String number) {
    Future<Void> previous = lastWrite.getOrDefault(number, Future.succeededFuture());
    Future<Void> next = previous.transform(ignored -> database.transaction(connection -> {
      // READ COMMITTED: no InnoDB gap locks, so neighbouring numbers' delete+insert do not deadlock each other
      connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
      write(connection, number, location.stored(number));
      return null;
    }).<Void>mapEmpty().onFailure(e -> log.warn("could not store the registrations of {}: {}", number,
        e.getMessage())));
    lastWrite.put(number, next);
    next.onComplete(ar -> {
      synchronized (this) {
        lastWrite.remove(number, next);
      }
    });
    return next;
  }

  private static void write(Connection connection, String number, List<Binding> bindings) throws SQLException {
    try (PreparedStatement delete = connection.prepareStatement("DELETE FROM sip_location WHERE number = ?")) {
      delete.setString(1, number);
      delete.executeUpdate();
    }
    try (PreparedStatement insert = connection.prepareStatement(
        "INSERT INTO sip_location (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (Binding b : bindings) {
        if (b.isConnectionBound()) {
          continue;
        }
        String contact = b.contactUri().toString();
        insert.setString(1, number);
        insert.setString(2, DigestAlgorithm.SHA_256.hash(contact + "|" + b.instanceId() + "|" + b.regId()));
        insert.setString(3, truncate(contact, 1024));
        insert.setString(4, truncate(b.instanceId(), 255));
        insert.setInt(5, b.regId());
        insert.setString(6, truncate(b.callId(), 255));
        insert.setLong(7, b.cseq());
        insert.setLong(8, b.expiresAtMillis());
        insert.setString(9, truncate(b.flowId(), 255));
        insert.setString(10, b.transport() == null ? "UDP" : b.transport().name());
        insert.setString(11, truncate(b.sourceHost(), 64));
        insert.setInt(12, b.sourcePort());
        insert.setString(13, truncate(b.userAgent(), 255));
        insert.setLong(14, b.registeredAtMillis());
        insert.setDouble(15, b.q());
        insert.addBatch();
      }
      insert.executeBatch();
    }
  }

  private static String truncate(String s, int max) {
    return s == null || s.length() <= max ? s : s.substring(0, max);
  }
}
