package one.webph.server.push;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import one.webph.server.testing.TestFiles;
import one.webph.server.testing.TestServer;
import one.webph.webpush.Subscription;
import one.webph.webpush.VapidKeys;
import org.junit.jupiter.api.Test;

/** Server-level configuration of push: stable VAPID keys across restarts, configured keys, the compat switches. */
class PushServerLifecycleTest {

  private static String key(TestServer server) throws Exception {
    HttpResponse<String> response = server.get(server.https("/api/v1/push/key"));
    assertThat(response.statusCode()).isEqualTo(200);
    return new JsonObject(response.body()).getString("key");
  }

  @Test
  void vapidKeysSurviveARestartOnTheSameDataDir() throws Exception {
    Path dataDir = Files.createTempDirectory("wp-push-restart-");
    try {
      TestServer first = TestServer.start(Map.of("DATA_DIR", dataDir.toString()));
      String before;
      try {
        before = key(first);
      } finally {
        first.app().stop(); // not close(): that deletes the data directory
      }
      assertThat(dataDir.resolve(PushComponent.VAPID_FILE)).exists();
      try (TestServer second = TestServer.start(Map.of("DATA_DIR", dataDir.toString()))) {
        assertThat(key(second)).isEqualTo(before);
        assertThat(second.app().context().pushEnabled()).isTrue();
      }
    } finally {
      TestFiles.deleteRecursively(dataDir);
    }
  }

  @Test
  void configuredKeysAreUsedAndCompatSaveAndListingFollowTheirSwitches() throws Exception {
    VapidKeys configured = VapidKeys.generate();
    try (TestServer server = TestServer.start(Map.of(
        "PUSH_PUBLIC", configured.publicKeyBase64Url(),
        "PUSH_PRIVATE", configured.privateKeyBase64Url(),
        "PUSH_COMPAT_UNAUTHENTICATED_SAVE", "true"))) {
      assertThat(key(server)).isEqualTo(configured.publicKeyBase64Url());
      assertThat(server.dataDir().resolve(PushComponent.VAPID_FILE)).doesNotExist();

      String user = "99910077777";
      server.app().context().subscribers().create(user, "password-777", null).await(10, TimeUnit.SECONDS);
      Subscription browser = PushStorageTest.browserSubscription("https://push.example.org/compat/" + user);
      JsonObject save = new JsonObject().put("user", user).put("endpoint", browser.endpoint())
          .put("auth", browser.auth()).put("p256dh", browser.p256dh());
      HttpResponse<String> created = server.postJson(server.https("/webpush/save"), save.encode());
      assertThat(created.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(created.body()).getString("status")).isEqualTo("created");
      HttpResponse<String> updated = server.postJson(server.https("/webpush/save"), save.encode());
      assertThat(new JsonObject(updated.body()).getString("status")).isEqualTo("updated");
      PushComponent push = PushComponent.lookup(server.app().context().vertx()).orElseThrow();
      assertThat(push.subscriptions().forNumber(user).await(10, TimeUnit.SECONDS)).hasSize(1);

      HttpResponse<String> unknownUser = server.postJson(server.https("/webpush/save"),
          save.copy().put("user", "99910000001").encode());
      assertThat(unknownUser.statusCode()).isEqualTo(404);

      // No ADMIN_TOKEN configured: listing is disabled whatever is sent.
      HttpResponse<String> listing = server.client().send(HttpRequest.newBuilder(server.https("/webpush/survey"))
          .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer anything-anything-anything").GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(listing.statusCode()).isEqualTo(403);
      assertThat(new JsonObject(listing.body()).getString("error")).contains("ADMIN_TOKEN");
    }
  }
}
