package one.webph.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import one.webph.server.numbers.SubscriberStore;
import one.webph.server.testing.DatabaseTestBase;
import one.webph.webpush.Subscription;
import one.webph.webpush.VapidKeys;
import org.junit.jupiter.api.Test;

/** The push tables on H2 and MariaDB: subscriptions, offline messages, feedback. */
class PushStorageTest extends DatabaseTestBase {
  private static final SecureRandom RANDOM = new SecureRandom();

  private static String newNumber() throws Exception {
    String number = "99910" + (1_000_000 + RANDOM.nextInt(9_000_000));
    assertThat(new SubscriberStore(database(), "localhost").create(number, "password123", null).await()).isTrue();
    return number;
  }

  /** A UTC clock reading {@code now}, which the test moves. */
  private static Clock clockAt(AtomicLong now) {
    return new Clock() {
      @Override
      public java.time.ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return Instant.ofEpochMilli(now.get());
      }
    };
  }

  /** A valid browser subscription (a fresh P-256 key and auth secret) at an https endpoint. */
  static Subscription browserSubscription(String endpoint) {
    byte[] auth = new byte[16];
    RANDOM.nextBytes(auth);
    return new Subscription(endpoint, VapidKeys.generate().publicKeyBase64Url(),
        java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(auth));
  }

  @Test
  void subscriptionsAreOnePerEndpointSeveralPerNumber() throws Exception {
    String number = newNumber();
    PushSubscriptionStore store = new PushSubscriptionStore(database());
    // Longer than any index limit allows for a plain unique column on MariaDB.
    String longEndpoint = "https://push.example.org/wpush/v2/" + "x".repeat(1500);
    Subscription phone = browserSubscription(longEndpoint);
    Subscription laptop = browserSubscription("https://fcm.googleapis.com/fcm/send/abc123");

    assertThat(store.save(number, phone, "Mozilla/5.0 phone").await()).isEqualTo(PushSubscriptionStore.SaveResult.CREATED);
    assertThat(store.save(number, laptop, null).await()).isEqualTo(PushSubscriptionStore.SaveResult.CREATED);
    Subscription phoneNewKeys = browserSubscription(longEndpoint);
    assertThat(store.save(number, phoneNewKeys, "Mozilla/5.0 phone 2").await())
        .isEqualTo(PushSubscriptionStore.SaveResult.UPDATED);

    List<PushSubscriptionStore.StoredSubscription> rows = store.forNumber(number).await();
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).subscription()).isEqualTo(phoneNewKeys);
    assertThat(rows.get(0).userAgent()).isEqualTo("Mozilla/5.0 phone 2");
    assertThat(rows.get(0).updatedAt()).isAfterOrEqualTo(rows.get(0).createdAt());
    assertThat(rows.get(1).subscription()).isEqualTo(laptop);
    assertThat(rows.get(1).userAgent()).isNull();
    assertThat(store.findByEndpoint(longEndpoint).await()).get()
        .extracting(PushSubscriptionStore.StoredSubscription::number).isEqualTo(number);
  }

  @Test
  void anEndpointMovesToTheNumberThatSavesItLast() throws Exception {
    String first = newNumber();
    String second = newNumber();
    PushSubscriptionStore store = new PushSubscriptionStore(database());
    Subscription browser = browserSubscription("https://push.example.org/move/" + first);
    store.save(first, browser, null).await();
    assertThat(store.save(second, browser, null).await()).isEqualTo(PushSubscriptionStore.SaveResult.UPDATED);
    assertThat(store.forNumber(first).await()).isEmpty();
    assertThat(store.forNumber(second).await()).singleElement()
        .extracting(PushSubscriptionStore.StoredSubscription::subscription).isEqualTo(browser);
  }

  @Test
  void readsAreServedFromMemoryAndEveryWriteThroughTheStoreIsSeenAtOnce() throws Exception {
    String first = newNumber();
    String second = newNumber();
    AtomicLong now = new AtomicLong(Instant.parse("2026-11-25T10:00:00Z").toEpochMilli());
    Clock clock = clockAt(now);
    PushSubscriptionStore store = new PushSubscriptionStore(database(), clock);
    assertThat(store.forNumber(first).await()).isEmpty(); // cached now
    Subscription browser = browserSubscription("https://push.example.org/cache/" + first);
    store.save(first, browser, null).await();
    assertThat(store.forNumber(first).await()).hasSize(1);
    assertThat(store.forNumber(second).await()).isEmpty();
    store.save(second, browser, null).await(); // the endpoint moves: both numbers' reads change
    assertThat(store.forNumber(first).await()).isEmpty();
    assertThat(store.forNumber(second).await()).hasSize(1);
    long id = store.forNumber(second).await().get(0).id();
    assertThat(store.deleteById(id).await()).isTrue();
    assertThat(store.forNumber(second).await()).isEmpty();
    store.save(second, browser, null).await();
    assertThat(store.delete(second, browser.endpoint()).await()).isTrue();
    assertThat(store.forNumber(second).await()).isEmpty();

    // a row written by another process (an import) is served from memory until the cached read is old enough
    database().callBlocking(c -> {
      try (var insert = c.prepareStatement("INSERT INTO push_subscriptions (number, endpoint, endpoint_sha256, "
          + "p256dh, auth, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
        insert.setString(1, second);
        insert.setString(2, browser.endpoint());
        insert.setString(3, PushSubscriptionStore.endpointHash(browser.endpoint()));
        insert.setString(4, browser.p256dh());
        insert.setString(5, browser.auth());
        insert.setLong(6, now.get());
        insert.setLong(7, now.get());
        insert.executeUpdate();
      }
      return null;
    });
    assertThat(store.forNumber(second).await()).as("answered from memory").isEmpty();
    now.addAndGet(PushSubscriptionStore.CACHE_MILLIS);
    assertThat(store.forNumber(second).await()).as("read again after CACHE_MILLIS").hasSize(1);
  }

  @Test
  void deleteOnlyRemovesTheOwnersSubscription() throws Exception {
    String owner = newNumber();
    String other = newNumber();
    PushSubscriptionStore store = new PushSubscriptionStore(database());
    Subscription browser = browserSubscription("https://push.example.org/del/" + owner);
    store.save(owner, browser, null).await();

    assertThat(store.delete(other, browser.endpoint()).await()).isFalse();
    assertThat(store.forNumber(owner).await()).hasSize(1);
    assertThat(store.delete(owner, browser.endpoint()).await()).isTrue();
    assertThat(store.forNumber(owner).await()).isEmpty();

    store.save(owner, browser, null).await();
    long id = store.forNumber(owner).await().get(0).id();
    assertThat(store.deleteById(id).await()).isTrue();
    assertThat(store.deleteById(id).await()).isFalse();
  }

  @Test
  void devicesPerNumberAreBounded() throws Exception {
    String number = newNumber();
    PushSubscriptionStore store = new PushSubscriptionStore(database());
    for (int i = 0; i <= PushSubscriptionStore.MAX_SUBSCRIPTIONS_PER_NUMBER; i++) {
      store.save(number, browserSubscription("https://push.example.org/many/" + number + "/" + i), null).await();
    }
    List<PushSubscriptionStore.StoredSubscription> rows = store.forNumber(number).await();
    assertThat(rows).hasSize(PushSubscriptionStore.MAX_SUBSCRIPTIONS_PER_NUMBER);
    assertThat(rows).extracting(r -> r.subscription().endpoint())
        .contains("https://push.example.org/many/" + number + "/" + PushSubscriptionStore.MAX_SUBSCRIPTIONS_PER_NUMBER);
  }

  @Test
  void deletingANumberDeletesItsSubscriptionsAndMessages() throws Exception {
    String number = newNumber();
    PushSubscriptionStore subscriptions = new PushSubscriptionStore(database());
    OfflineMessageStore messages = new OfflineMessageStore(database(), Duration.ofDays(14));
    subscriptions.save(number, browserSubscription("https://push.example.org/cascade/" + number), null).await();
    messages.store(number, "sip:123@example.org", "text/plain", "hi", null).await();

    assertThat(new SubscriberStore(database(), "localhost").delete(number).await()).isTrue();

    assertThat(subscriptions.forNumber(number).await()).isEmpty();
    assertThat(messages.pending(number).await()).isEmpty();
  }

  @Test
  void offlineMessagesArePendingOldestFirstUntilDeleted() throws Exception {
    String number = newNumber();
    OfflineMessageStore store = new OfflineMessageStore(database(), Duration.ofDays(14));
    Instant earlier = Instant.parse("2024-05-01T10:00:00Z");
    Instant later = Instant.parse("2024-05-01T10:05:00Z");
    byte[] binary = {0, (byte) 0xff, 0x10, (byte) 0x80};
    long second = store.store(number, "sip:5551234@gsm.example.org", "text/plain;charset=UTF-8",
        "¿Llegas a las 5? ☎".getBytes(StandardCharsets.UTF_8), later).await();
    long first = store.store(number, "99910055555", "application/octet-stream", binary, earlier).await();

    List<OfflineMessageStore.OfflineMessage> pending = store.pending(number).await();
    assertThat(pending).extracting(OfflineMessageStore.OfflineMessage::id).containsExactly(first, second);
    OfflineMessageStore.OfflineMessage text = pending.get(1);
    assertThat(text.number()).isEqualTo(number);
    assertThat(text.sender()).isEqualTo("sip:5551234@gsm.example.org");
    assertThat(text.contentType()).isEqualTo("text/plain;charset=UTF-8");
    assertThat(new String(text.body(), StandardCharsets.UTF_8)).isEqualTo("¿Llegas a las 5? ☎");
    assertThat(text.receivedAt()).isEqualTo(later);
    assertThat(text.expiresAt()).isAfter(Instant.now().plus(Duration.ofDays(13)));
    assertThat(pending.get(0).body()).containsExactly(binary);

    assertThat(store.delete(first).await()).isTrue();
    assertThat(store.delete(first).await()).isFalse();
    assertThat(store.pending(number).await()).extracting(OfflineMessageStore.OfflineMessage::id).containsExactly(second);
  }

  @Test
  void expiredMessagesAreNotPendingAndArePurged() throws Exception {
    String number = newNumber();
    AtomicLong now = new AtomicLong(Instant.now().toEpochMilli());
    Clock clock = clockAt(now);
    OfflineMessageStore store = new OfflineMessageStore(database(), Duration.ofDays(14), clock);
    long old = store.store(number, "sip:1@x", "text/plain", "old", null).await();
    now.addAndGet(Duration.ofDays(10).toMillis());
    long recent = store.store(number, "sip:1@x", "text/plain", "recent", null).await();
    now.addAndGet(Duration.ofDays(5).toMillis()); // old is 15 days old, recent 5

    assertThat(store.pending(number).await()).extracting(OfflineMessageStore.OfflineMessage::id).containsExactly(recent);
    assertThat(store.purgeExpired().await()).isGreaterThanOrEqualTo(1);
    assertThat(store.delete(old).await()).as("purged").isFalse();
    assertThat(store.pending(number).await()).extracting(OfflineMessageStore.OfflineMessage::id).containsExactly(recent);
  }

  @Test
  void badMessagesAreRefusedClearly() throws Exception {
    String number = newNumber();
    OfflineMessageStore store = new OfflineMessageStore(database(), Duration.ofDays(1));
    assertThatThrownBy(() -> store.store("not-a-number", "sip:1@x", "text/plain", "x", null).await())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("digits");
    assertThatThrownBy(() -> store.store(number, "sip:1@x", "text/plain",
        new byte[OfflineMessageStore.MAX_BODY_BYTES + 1], null).await())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most");
    assertThatThrownBy(() -> store.store(number, " ", "text/plain", "x", null).await())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sender");
    assertThat(store.pending(number).await()).isEmpty();
  }

  @Test
  void feedbackIsStoredAsJsonAndListedNewestFirst() throws Exception {
    FeedbackStore store = new FeedbackStore(database());
    String number = "99910012345";
    long first = store.add(FeedbackStore.Kind.SURVEY, number, new JsonObject().put("rating", 4).encode()).await();
    long second = store.add(FeedbackStore.Kind.SURVEY, null, new JsonObject().put("rating", 5)
        .put("comment", "muy bien ".repeat(500)).encode()).await();
    store.add(FeedbackStore.Kind.FEEDBACK, number, "{\"comment\":\"echo on the line\"}").await();

    List<FeedbackStore.Entry> surveys = store.list(FeedbackStore.Kind.SURVEY, 100).await();
    assertThat(surveys).extracting(FeedbackStore.Entry::id).containsSubsequence(second, first);
    FeedbackStore.Entry newest = surveys.get(0);
    assertThat(newest.id()).isEqualTo(second);
    assertThat(newest.number()).isNull();
    assertThat(new JsonObject(newest.payload()).getString("comment")).hasSize(4500);
    assertThat(surveys.get(1).number()).isEqualTo(number);
    assertThat(store.list(FeedbackStore.Kind.SURVEY, 1).await()).hasSize(1);
    assertThat(store.list(FeedbackStore.Kind.FEEDBACK, 100).await()).singleElement()
        .extracting(FeedbackStore.Entry::payload).asString().contains("echo on the line");
  }
}
