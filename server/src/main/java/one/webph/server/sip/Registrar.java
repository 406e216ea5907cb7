package one.webph.server.sip;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import one.webph.sip.message.Contact;
import one.webph.sip.transport.Transport;

/**
 * The registrar's rules (RFC 3261 section 10.3, RFC 5626 instance/reg-id), as a pure function from the current
 * bindings of a number and a REGISTER to the outcome. {@link LocationService} applies it and stores the result.
 */
public final class Registrar {
  private Registrar() {}

  /**
   * What a REGISTER asks, already authenticated (the number is the authenticated user and the To user).
   *
   * @param headerExpires the Expires header, or -1 when absent
   */
  public record Request(String number, List<Contact> contacts, long headerExpires, String callId, long cseq,
      String flowId, Transport transport, String sourceHost, int sourcePort, String userAgent) { }

  /**
   * The result: the status to answer, the bindings after the request, and what changed.
   *
   * @param minExpires the Min-Expires to send with a 423, else 0
   * @param added bindings that did not exist before (new devices: a ringing call may fork to them)
   * @param removed bindings removed by this request (or evicted by the per-number limit)
   */
  public record Outcome(int status, String reason, long minExpires, List<Binding> bindings, List<Binding> added,
      List<Binding> removed) {
    public boolean isSuccess() {
      return status == 200;
    }

    static Outcome error(int status, String reason, List<Binding> unchanged) {
      return new Outcome(status, reason, 0, unchanged, List.of(), List.of());
    }
  }

  /** Applies a REGISTER to the current (unexpired) bindings of its number. */
  public static Outcome apply(SipSettings settings, List<Binding> current, Request request, long nowMillis) {
    List<Contact> contacts = request.contacts();
    if (contacts.isEmpty()) {
      return new Outcome(200, "OK", 0, current, List.of(), List.of()); // a query (10.3 step 6)
    }
    if (contacts.get(0).isWildcard()) {
      if (contacts.size() != 1 || request.headerExpires() != 0) {
        return Outcome.error(400, "Wildcard Contact Requires Expires: 0", current);
      }
      List<Binding> kept = new ArrayList<>();
      List<Binding> removed = new ArrayList<>();
      for (Binding b : current) {
        // 10.3 step 6: a binding from the same Call-ID with a newer CSeq is not removed by an older request
        if (b.callId().equals(request.callId()) && request.cseq() <= b.cseq()) {
          kept.add(b);
        } else {
          removed.add(b);
        }
      }
      return new Outcome(200, "OK", 0, kept, List.of(), removed);
    }

    List<Binding> result = new ArrayList<>(current);
    List<Binding> added = new ArrayList<>();
    List<Binding> removed = new ArrayList<>();
    for (Contact contact : contacts) {
      long expires = contact.expires() >= 0 ? contact.expires()
          : request.headerExpires() >= 0 ? request.headerExpires() : settings.regDefaultExpires();
      if (expires > 0 && expires < settings.regMinExpires()) {
        return new Outcome(423, "Interval Too Brief", settings.regMinExpires(), current, List.of(), List.of());
      }
      expires = Math.min(expires, settings.regMaxExpires());
      String instance = contact.instanceId();
      int regId = instance == null ? -1 : contact.regId();
      Binding existing = null;
      for (Binding b : result) {
        if (b.matches(contact.uri(), instance, regId)) {
          existing = b;
          break;
        }
      }
      if (existing != null && existing.callId().equals(request.callId()) && request.cseq() <= existing.cseq()) {
        return Outcome.error(400, "Out of Order CSeq", current); // 10.3 step 7: the update MUST be aborted
      }
      if (existing != null) {
        result.remove(existing);
      }
      if (expires == 0) {
        if (existing != null) {
          removed.add(existing);
        }
        continue;
      }
      Binding binding = new Binding(request.number(), contact.uri(), instance, regId, request.callId(),
          request.cseq(), nowMillis + expires * 1000, request.flowId(), request.transport(), request.sourceHost(),
          request.sourcePort(), request.userAgent(),
          existing != null ? existing.registeredAtMillis() : nowMillis, contact.q());
      result.add(binding);
      if (existing == null) {
        added.add(binding);
      }
    }
    // Too many devices: the least recently registered ones make room (a reinstalled app never locks a number).
    while (result.size() > SipSettings.MAX_BINDINGS_PER_NUMBER) {
      Binding oldest = result.stream().min(Comparator.comparingLong(Binding::registeredAtMillis)).orElseThrow();
      result.remove(oldest);
      added.remove(oldest);
      removed.add(oldest);
    }
    return new Outcome(200, "OK", 0, List.copyOf(result), List.copyOf(added), List.copyOf(removed));
  }
}
