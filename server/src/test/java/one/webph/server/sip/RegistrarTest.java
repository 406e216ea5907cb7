package one.webph.server.sip;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import one.webph.sip.message.Contact;
import one.webph.sip.transport.Transport;
import org.junit.jupiter.api.Test;

/** The registrar rules of RFC 3261 section 10.3 and RFC 5626, on {@link Registrar#apply} and the location table. */
class RegistrarTest {
  private static final SipSettings SETTINGS = SipSettings.defaults("example.org");
  private static final long NOW = 1_000_000_000L;

  private static Registrar.Request request(String contacts, long headerExpires, String callId, long cseq) {
    return request(contacts, headerExpires, callId, cseq, "udp:5060:192.0.2.1:5070", Transport.UDP);
  }

  private static Registrar.Request request(String contacts, long headerExpires, String callId, long cseq,
      String flowId, Transport transport) {
    List<Contact> list = contacts == null ? List.of() : Contact.parseList(contacts);
    return new Registrar.Request("999100001", list, headerExpires, callId, cseq, flowId, transport, "192.0.2.1",
        5070, "test");
  }

  @Test
  void addsWithDefaultExpiresAndListsTheBinding() {
    Registrar.Outcome o = Registrar.apply(SETTINGS, List.of(), request("<sip:a@192.0.2.1:5070>", -1, "c1", 1), NOW);
    assertThat(o.status()).isEqualTo(200);
    assertThat(o.bindings()).hasSize(1);
    assertThat(o.added()).hasSize(1);
    assertThat(o.bindings().get(0).expiresInSeconds(NOW)).isEqualTo(600);
    assertThat(SipService.contactValue(o.bindings().get(0), NOW)).isEqualTo("<sip:a@192.0.2.1:5070>;expires=600");
  }

  @Test
  void contactExpiresParameterWinsOverHeaderAndLongOnesAreShortened() {
    Registrar.Outcome o = Registrar.apply(SETTINGS, List.of(),
        request("<sip:a@192.0.2.1>;expires=120, <sip:b@192.0.2.1>", 999_999, "c1", 1), NOW);
    assertThat(o.bindings()).extracting(b -> b.expiresInSeconds(NOW)).containsExactly(120L, 3600L);
  }

  @Test
  void tooShortIntervalIs423WithMinExpires() {
    Registrar.Outcome o = Registrar.apply(SETTINGS, List.of(), request("<sip:a@192.0.2.1>", 30, "c1", 1), NOW);
    assertThat(o.status()).isEqualTo(423);
    assertThat(o.minExpires()).isEqualTo(60);
    assertThat(o.bindings()).isEmpty();
  }

  @Test
  void refreshKeepsOneBindingAndZeroRemovesIt() {
    LocationService location = new LocationService(SETTINGS);
    location.register(request("<sip:a@192.0.2.1:5070>", 600, "c1", 1), NOW);
    Registrar.Outcome refresh = location.register(request("<sip:a@192.0.2.1:5070>", 300, "c1", 2), NOW + 1000);
    assertThat(refresh.bindings()).hasSize(1);
    assertThat(refresh.added()).isEmpty();
    assertThat(location.lookup("999100001", NOW + 1000).get(0).expiresInSeconds(NOW + 1000)).isEqualTo(300);
    Registrar.Outcome remove = location.register(request("<sip:a@192.0.2.1:5070>", 0, "c1", 3), NOW + 2000);
    assertThat(remove.removed()).hasSize(1);
    assertThat(location.lookup("999100001", NOW + 2000)).isEmpty();
  }

  @Test
  void sameCallIdWithOldCseqIsRefused() {
    List<Binding> current = Registrar.apply(SETTINGS, List.of(), request("<sip:a@192.0.2.1>", 600, "c1", 5), NOW)
        .bindings();
    Registrar.Outcome o = Registrar.apply(SETTINGS, current, request("<sip:a@192.0.2.1>", 600, "c1", 5), NOW);
    assertThat(o.status()).isEqualTo(400);
    assertThat(o.bindings()).isEqualTo(current);
    // another Call-ID (the phone restarted) may update whatever its CSeq
    assertThat(Registrar.apply(SETTINGS, current, request("<sip:a@192.0.2.1>", 600, "c2", 1), NOW).status())
        .isEqualTo(200);
  }

  @Test
  void wildcardNeedsExpiresZeroAndRemovesEverything() {
    List<Binding> current = Registrar.apply(SETTINGS, List.of(),
        request("<sip:a@192.0.2.1>, <sip:b@192.0.2.2>", 600, "c1", 1), NOW).bindings();
    assertThat(Registrar.apply(SETTINGS, current, request("*", 600, "c2", 1), NOW).status()).isEqualTo(400);
    assertThat(Registrar.apply(SETTINGS, current, request("*", -1, "c2", 1), NOW).status()).isEqualTo(400);
    Registrar.Outcome o = Registrar.apply(SETTINGS, current, request("*", 0, "c2", 1), NOW);
    assertThat(o.status()).isEqualTo(200);
    assertThat(o.bindings()).isEmpty();
    assertThat(o.removed()).hasSize(2);
  }

  @Test
  void severalContactsPerNumberAndAQueryListsThem() {
    LocationService location = new LocationService(SETTINGS);
    location.register(request("<sip:a@192.0.2.1>", 600, "c1", 1), NOW);
    location.register(request("<sip:b@192.0.2.2>", 600, "c2", 1, "ws-1@198.51.100.1:4000", Transport.WSS), NOW);
    Registrar.Outcome query = location.register(request(null, -1, "c3", 1), NOW);
    assertThat(query.status()).isEqualTo(200);
    assertThat(query.bindings()).hasSize(2);
  }

  @Test
  void sameInstanceAndRegIdReplacesTheOldBindingEvenWithANewUri() {
    String instance = ";+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000a95a0e128>\";reg-id=1";
    LocationService location = new LocationService(SETTINGS);
    location.register(request("<sip:x1@abc.invalid;transport=ws>" + instance, 600, "c1", 1,
        "wss-1@198.51.100.1:4000", Transport.WSS), NOW);
    // the app reconnected: new WebSocket, new Contact user part, same instance and reg-id (JsSIP)
    Registrar.Outcome o = location.register(request("<sip:x2@def.invalid;transport=ws>" + instance, 600, "c2", 1,
        "wss-2@198.51.100.1:4001", Transport.WSS), NOW + 1000);
    assertThat(o.bindings()).hasSize(1);
    assertThat(o.bindings().get(0).flowId()).isEqualTo("wss-2@198.51.100.1:4001");
    assertThat(o.bindings().get(0).contactUri().toString()).contains("x2@def.invalid");
    assertThat(o.added()).as("a replacement is not a new device").isEmpty();
    // another reg-id of the same instance is a second flow (RFC 5626): kept side by side
    Registrar.Outcome second = location.register(request("<sip:x3@def.invalid;transport=ws>"
        + instance.replace("reg-id=1", "reg-id=2"), 600, "c3", 1, "wss-3@198.51.100.1:4002", Transport.WSS), NOW);
    assertThat(second.bindings()).hasSize(2);
  }

  @Test
  void bindingsOfAClosedConnectionGoAtOnceOthersStay() {
    LocationService location = new LocationService(SETTINGS);
    List<String> changed = new ArrayList<>();
    location.onChange(changed::add);
    location.register(request("<sip:a@abc.invalid;transport=ws>", 600, "c1", 1, "wss-7@198.51.100.1:4000",
        Transport.WSS), NOW);
    location.register(request("<sip:b@192.0.2.2>", 600, "c2", 1), NOW);
    List<Binding> removed = location.removeFlow("wss-7@198.51.100.1:4000");
    assertThat(removed).hasSize(1);
    assertThat(location.lookup("999100001", NOW)).extracting(b -> b.contactUri().toString())
        .containsExactly("sip:b@192.0.2.2");
    assertThat(changed).containsExactly("999100001", "999100001", "999100001");
    assertThat(location.removeFlow("wss-7@198.51.100.1:4000")).isEmpty();
  }

  @Test
  void expiredBindingsAreNotFoundAndGetSwept() {
    LocationService location = new LocationService(SETTINGS);
    location.register(request("<sip:a@192.0.2.1>", 60, "c1", 1), NOW);
    assertThat(location.lookup("999100001", NOW + 59_000)).hasSize(1);
    assertThat(location.lookup("999100001", NOW + 60_000)).isEmpty();
    assertThat(location.sweep(NOW + 60_000)).isEqualTo(1);
    assertThat(location.size()).isZero();
  }

  @Test
  void theOldestBindingMakesRoomBeyondTheLimit() {
    LocationService location = new LocationService(SETTINGS);
    for (int i = 0; i <= SipSettings.MAX_BINDINGS_PER_NUMBER; i++) {
      location.register(request("<sip:d" + i + "@192.0.2.1>", 600, "c" + i, 1), NOW + i);
    }
    List<Binding> live = location.lookup("999100001", NOW + 100);
    assertThat(live).hasSize(SipSettings.MAX_BINDINGS_PER_NUMBER);
    assertThat(live).extracting(b -> b.contactUri().toString()).doesNotContain("sip:d0@192.0.2.1");
  }
}
