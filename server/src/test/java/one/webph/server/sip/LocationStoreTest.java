package one.webph.server.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import one.webph.server.db.Database;
import one.webph.server.testing.DatabaseTestBase;
import one.webph.sip.message.Contact;
import one.webph.sip.transport.Transport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The write-behind of UDP bindings on H2 and MariaDB: a burst of registrations is stored by a few group commits
 * holding each number's latest bindings, removals delete rows, and writes that failed are stored once the table
 * is back. Uses a Database on a real Vert.x worker pool (the server's), so writes run concurrently with changes.
 */
class LocationStoreTest extends DatabaseTestBase {
  private static final SipSettings SETTINGS = SipSettings.defaults("example.org");

  private Vertx vertx;
  private Database async;

  @BeforeEach
  void openAsyncDatabase() {
    vertx = Vertx.vertx();
    async = new Database(config(Map.of()), vertx, null);
    database().callBlocking(c -> {
      try (Statement s = c.createStatement()) {
        s.executeUpdate("DELETE FROM sip_location");
      }
      return null;
    });
  }

  @AfterEach
  void close() throws Exception {
    async.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static Registrar.Request udp(String number, String contact, long expires, long cseq) {
    return new Registrar.Request(number, Contact.parseList(contact), expires, "call-" + number, cseq,
        "udp:5060:192.0.2.1:5070", Transport.UDP, "192.0.2.1", 5070, "test");
  }

  private static List<String> rows(String number) {
    return database().callBlocking(c -> {
      try (var s = c.prepareStatement("SELECT contact_uri, cseq FROM sip_location WHERE number = ? ORDER BY cseq")) {
        s.setString(1, number);
        try (var r = s.executeQuery()) {
          List<String> out = new java.util.ArrayList<>();
          while (r.next()) {
            out.add(r.getString(1) + " cseq=" + r.getLong(2));
          }
          return out;
        }
      }
    });
  }

  private static int rowCount() {
    return database().callBlocking(c -> {
      try (var s = c.createStatement(); var r = s.executeQuery("SELECT COUNT(*) FROM sip_location")) {
        r.next();
        return r.getInt(1);
      }
    });
  }

  @Test
  void aBurstIsStoredByFewTransactionsWithEachNumbersLatestBindings() throws Exception {
    LocationService location = new LocationService(SETTINGS);
    LocationStore store = new LocationStore(async, location);
    location.onChange(store::persist);
    long now = System.currentTimeMillis();
    int numbers = 1000;
    for (int round = 1; round <= 3; round++) { // a registration and two refreshes (CSeq 1, 2, 3) of each number
      for (int i = 0; i < numbers; i++) {
        location.register(udp("7771" + i, "<sip:p" + i + "@192.0.2.1:5003>", 600, round), now);
      }
    }
    assertThat(store.flushBlocking(60_000)).isTrue();

    assertThat(rowCount()).isEqualTo(numbers);
    assertThat(rows("777142")).containsExactly("sip:p42@192.0.2.1:5003 cseq=3");
    long[] counters = store.counters();
    assertThat(counters[0]).as("flush transactions for 3000 changes").isLessThan(3000 / 10);
    assertThat(counters[1]).as("numbers written").isLessThan(3000).isGreaterThanOrEqualTo(numbers);

    // an unregister deletes the number's row; other numbers keep theirs
    location.register(udp("777142", "<sip:p42@192.0.2.1:5003>", 0, 4), now);
    assertThat(store.flushBlocking(10_000)).isTrue();
    assertThat(rows("777142")).isEmpty();
    assertThat(rowCount()).isEqualTo(numbers - 1);
  }

  @Test
  void aChangeAfterAQuietPeriodIsWrittenAtOnceLaterOnesWaitForTheInterval() throws Exception {
    LocationService location = new LocationService(SETTINGS);
    LocationStore store = new LocationStore(async, location, vertx, 60_000);
    location.onChange(store::persist);
    long now = System.currentTimeMillis();
    location.register(udp("7778001", "<sip:a@192.0.2.1:5070>", 600, 1), now);
    for (int i = 0; i < 250 && store.pendingCount() > 0; i++) {
      Thread.sleep(20);
    }
    assertThat(store.pendingCount()).as("first change written without waiting for the interval").isZero();
    assertThat(rows("7778001")).containsExactly("sip:a@192.0.2.1:5070 cseq=1");

    location.register(udp("7778001", "<sip:a@192.0.2.1:5070>", 600, 2), now);
    location.register(udp("7778002", "<sip:b@192.0.2.1:5070>", 600, 1), now);
    Thread.sleep(300);
    assertThat(store.pendingCount()).as("within the interval: waiting, coalescing").isEqualTo(2);
    assertThat(rows("7778002")).isEmpty();
    assertThat(store.flushBlocking(10_000)).as("a stop writes them without waiting for the interval").isTrue();
    assertThat(rows("7778001")).containsExactly("sip:a@192.0.2.1:5070 cseq=2");
    assertThat(rows("7778002")).containsExactly("sip:b@192.0.2.1:5070 cseq=1");
    assertThat(store.counters()[0]).as("flushes").isEqualTo(2);
  }

  @Test
  void aFailedWriteIsKeptAndStoredOnceTheDatabaseTakesItAgain() throws Exception {
    LocationService location = new LocationService(SETTINGS);
    LocationStore store = new LocationStore(async, location);
    location.onChange(store::persist);
    long now = System.currentTimeMillis();
    rename("sip_location", "sip_location_away"); // every write fails now, as with the database unreachable
    try {
      location.register(udp("7779001", "<sip:a@192.0.2.1:5070>", 600, 1), now);
      location.register(udp("7779002", "<sip:b@192.0.2.1:5070>", 600, 1), now);
      assertThat(store.flushBlocking(1_000)).as("cannot complete while the table is gone").isFalse();
      assertThat(store.pendingCount()).isGreaterThanOrEqualTo(1);
    } finally {
      rename("sip_location_away", "sip_location");
    }
    store.retryPending(); // what the SIP sweep does every 5 s
    assertThat(store.flushBlocking(10_000)).isTrue();
    assertThat(rows("7779001")).containsExactly("sip:a@192.0.2.1:5070 cseq=1");
    assertThat(rows("7779002")).containsExactly("sip:b@192.0.2.1:5070 cseq=1");
  }

  private static void rename(String from, String to) {
    database().callBlocking(c -> {
      try (Statement s = c.createStatement()) {
        s.execute("ALTER TABLE " + from + " RENAME TO " + to);
      }
      return null;
    });
  }
}
