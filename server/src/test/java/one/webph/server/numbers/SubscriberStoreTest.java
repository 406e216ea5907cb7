package one.webph.server.numbers;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import one.webph.server.testing.DatabaseTestBase;
import org.junit.jupiter.api.Test;

class SubscriberStoreTest extends DatabaseTestBase {
  private final SubscriberStore store = new SubscriberStore(database(), "phone.example.org");

  @Test
  void migrationCreatedTheSchema() {
    String version = database().callBlocking(c -> {
      String q = database().isH2() ? "\"" : "`";
      try (Statement s = c.createStatement();
          ResultSet rows = s.executeQuery("SELECT MAX(" + q + "version" + q + ") FROM " + q + "flyway_schema_history"
              + q + " WHERE " + q + "success" + q + " = TRUE AND " + q + "version" + q + " IS NOT NULL")) {
        rows.next();
        return rows.getString(1);
      }
    });
    long subscribers = database().callBlocking(c -> {
      try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery("SELECT COUNT(*) FROM subscribers")) {
        rows.next();
        return rows.getLong(1);
      }
    });
    assertThat(subscribers).isGreaterThanOrEqualTo(0);
    // Later issues add migrations (V2...): the schema is at the newest one and migrating again is a no-op.
    assertThat(version).isNotNull().matches("[0-9.]+");
    assertThat(database().migrate()).isEqualTo(version);
  }

  @Test
  void createFindAndHashes() {
    assertThat(store.create("99910000001", "correct horse", "a@example.org").await()).isTrue();
    Subscriber found = store.findSubscriber("99910000001").await().orElseThrow();
    assertThat(found.domain()).isEqualTo("phone.example.org");
    assertThat(found.ha1()).isEqualTo(Credentials.ha1Md5("99910000001", "phone.example.org", "correct horse"))
        .hasSize(32);
    assertThat(found.ha1Sha256()).hasSize(64);
    assertThat(found.email()).isEqualTo("a@example.org");
    assertThat(found.disabled()).isFalse();
    assertThat(found.createdAt()).isNotNull();
    assertThat(store.findSubscriber("99910000002").await()).isEmpty();
  }

  @Test
  void knownMd5Ha1() {
    // RFC 2617 section 3.5 example: Mufasa:testrealm@host.com:Circle Of Life
    assertThat(Credentials.ha1Md5("Mufasa", "testrealm@host.com", "Circle Of Life"))
        .isEqualTo("939e7578ed9e3c518a452acee763bce9");
  }

  @Test
  void duplicateIsRefusedAndNothingChanges() {
    assertThat(store.create("99910000010", "first password", null).await()).isTrue();
    assertThat(store.create("99910000010", "second password", "x@example.org").await()).isFalse();
    Subscriber found = store.findSubscriber("99910000010").await().orElseThrow();
    assertThat(found.ha1()).isEqualTo(Credentials.ha1Md5("99910000010", "phone.example.org", "first password"));
    assertThat(found.email()).isNull();
  }

  @Test
  void listDeleteSetPasswordDisable() {
    store.create("50505100001", "password-1", null).await();
    store.create("50505100002", "password-2", null).await();
    List<String> numbers = store.list().await().stream().map(Subscriber::number).toList();
    assertThat(numbers).contains("50505100001", "50505100002").isSorted();

    assertThat(store.setPassword("50505100001", "new password").await()).isTrue();
    assertThat(store.findSubscriber("50505100001").await().orElseThrow().ha1Sha256())
        .isEqualTo(Credentials.ha1Sha256("50505100001", "phone.example.org", "new password"));
    assertThat(store.setPassword("50505199999", "new password").await()).isFalse();

    assertThat(store.setDisabled("50505100002", true).await()).isTrue();
    assertThat(store.findSubscriber("50505100002").await().map(Subscriber::disabled)).isEqualTo(Optional.of(true));

    assertThat(store.delete("50505100001").await()).isTrue();
    assertThat(store.delete("50505100001").await()).isFalse();
    assertThat(store.findSubscriber("50505100001").await()).isEmpty();
  }
}
