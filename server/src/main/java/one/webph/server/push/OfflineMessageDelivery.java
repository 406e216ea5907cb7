package one.webph.server.push;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import one.webph.server.push.OfflineMessageStore.OfflineMessage;
import one.webph.server.sip.Binding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the stored MESSAGEs of a number when one of its devices registers: strictly in order (the next only
 * after the previous got a 2xx), each deleted only after its 2xx, stopping at the first failure so the rest wait
 * for the next registration. At most one delivery runs per number: a second device registering meanwhile does
 * not send the messages again; it only gets a turn when the running delivery stopped on a failure (the first
 * device went away) or when messages were stored in the meantime.
 *
 * <p>Meant for the SIP event loop: each entry point remembers the Vert.x context it was called on and every
 * continuation (database, sender) runs back on it.
 */
public final class OfflineMessageDelivery {
  private static final Logger log = LoggerFactory.getLogger(OfflineMessageDelivery.class);
  /** RFC 3261 section 20.17 rfc1123-date: two-digit day, always GMT. */
  static final DateTimeFormatter SIP_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

  /** One running delivery to one device. */
  private static final class Run {
    final Binding binding;
    final Context context;
    /** A device to serve after this run (another registration or a message stored meanwhile), or null. */
    Binding next;

    Run(Binding binding, Context context) {
      this.binding = binding;
      this.context = context;
    }
  }

  /** Stores in flight for a number, and the device that registered while they were (it missed them). */
  private static final class StoreWindow {
    int inFlight;
    Binding registeredMeanwhile;
  }

  private final OfflineMessageStore store;
  private final Counter delivered;
  private final Counter kept;
  private final Map<String, Run> running = new ConcurrentHashMap<>();
  private final Map<String, StoreWindow> storing = new ConcurrentHashMap<>();
  private volatile OfflineMessageSender sender;

  public OfflineMessageDelivery(OfflineMessageStore store, MeterRegistry registry) {
    this.store = Objects.requireNonNull(store, "store");
    this.delivered = Counter.builder("webphone.messages.offline.delivery").tag("outcome", "delivered")
        .description("Stored MESSAGEs relayed to a device that registered, by outcome").register(registry);
    this.kept = Counter.builder("webphone.messages.offline.delivery").tag("outcome", "kept")
        .description("Stored MESSAGEs relayed to a device that registered, by outcome").register(registry);
  }

  /** The proxy's MESSAGE sender; until set, stored messages simply wait. */
  public void setSender(OfflineMessageSender sender) {
    this.sender = sender;
  }

  public boolean hasSender() {
    return sender != null;
  }

  /** A device of {@code binding.number()} registered: relay its stored messages to it (unless a run is going). */
  public void deliverTo(Binding binding) {
    String number = binding.number();
    StoreWindow window = storing.get(number);
    if (window != null) {
      synchronized (window) {
        if (window.inFlight > 0) {
          // A message is being stored right now: pending() might miss it; deliver again once it is stored.
          window.registeredMeanwhile = binding;
        }
      }
    }
    if (sender == null) {
      log.debug("no MESSAGE sender wired: stored messages for {} wait", number);
      return;
    }
    Context context = Vertx.currentContext();
    Run run = new Run(binding, context);
    Run current = running.putIfAbsent(number, run);
    if (current != null) {
      current.next = binding;
      return;
    }
    store.pending(number).onComplete(ar -> onContext(context, () -> {
      if (ar.failed()) {
        log.warn("cannot read stored messages for {}: {}; they wait for the next registration", number,
            ar.cause().toString());
        finish(number, run, true);
      } else if (ar.result().isEmpty()) {
        finish(number, run, false);
      } else {
        log.info("relaying {} stored message(s) to {} ({})", ar.result().size(), number, binding.contactUri());
        sendFrom(number, run, ar.result(), 0);
      }
    }));
  }

  /** Call before storing a message for {@code number}; then {@link #storeEnded} exactly once. */
  public void storeStarted(String number) {
    StoreWindow window = storing.computeIfAbsent(number, n -> new StoreWindow());
    synchronized (window) {
      window.inFlight++;
    }
  }

  /**
   * A store for {@code number} ended: a device that registered meanwhile, or a delivery that ran meanwhile, gets
   * another pass so the new message does not wait for the next registration.
   */
  public void storeEnded(String number, boolean stored) {
    Binding missed = null;
    StoreWindow window = storing.get(number);
    if (window != null) {
      synchronized (window) {
        window.inFlight--;
        if (window.inFlight <= 0) {
          missed = window.registeredMeanwhile;
          storing.remove(number, window);
        }
      }
    }
    if (!stored) {
      return;
    }
    Run run = running.get(number);
    if (run != null && run.next == null) {
      run.next = run.binding;
    } else if (run == null && missed != null) {
      deliverTo(missed);
    }
  }

  /** Whether a delivery to {@code number} is running (tests). */
  boolean isDelivering(String number) {
    return running.containsKey(number);
  }

  private void sendFrom(String number, Run run, List<OfflineMessage> messages, int index) {
    if (index >= messages.size()) {
      finish(number, run, false);
      return;
    }
    OfflineMessage message = messages.get(index);
    Future<Integer> sent;
    try {
      sent = sender.sendMessage(run.binding, message.sender(), message.contentType(), message.body(),
          SIP_DATE.format(message.receivedAt()));
    } catch (RuntimeException e) {
      sent = Future.failedFuture(e);
    }
    sent.onComplete(ar -> onContext(run.context, () -> {
      int status = ar.succeeded() && ar.result() != null ? ar.result() : 0;
      if (status < 200 || status >= 300) {
        String why = ar.failed() ? ar.cause().toString() : "status " + status;
        log.info("stored message {} for {} not delivered to {} ({}); {} message(s) kept for the next registration",
            message.id(), number, run.binding.contactUri(), why, messages.size() - index);
        kept.increment(messages.size() - index);
        finish(number, run, true);
        return;
      }
      store.delete(message.id()).onComplete(deleted -> onContext(run.context, () -> {
        delivered.increment();
        if (deleted.failed()) {
          // Going on would reorder (this one would come again after newer ones next time): stop here.
          log.warn("stored message {} for {} was delivered but not deleted ({}); it may be delivered twice",
              message.id(), number, deleted.cause().toString());
          finish(number, run, true);
          return;
        }
        sendFrom(number, run, messages, index + 1);
      }));
    }));
  }

  private void finish(String number, Run run, boolean failed) {
    running.remove(number, run);
    Binding next = run.next;
    if (next == null) {
      return;
    }
    // After a failure the same device is not retried at once (it just failed); another device is.
    if (!failed || !sameDevice(next, run.binding)) {
      deliverTo(next);
    }
  }

  private static boolean sameDevice(Binding a, Binding b) {
    return a.contactUri().equals(b.contactUri()) && Objects.equals(a.flowId(), b.flowId());
  }

  /** Runs {@code task} on {@code context} (directly when already there, or when there is no context). */
  static void onContext(Context context, Runnable task) {
    if (context == null || Vertx.currentContext() == context) {
      task.run();
    } else {
      context.runOnContext(v -> task.run());
    }
  }

  /** Parses an RFC 3261 Date header value; null when absent or malformed. */
  static Instant parseSipDate(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return DateTimeFormatter.RFC_1123_DATE_TIME.parse(value.strip(), Instant::from);
    } catch (RuntimeException e) {
      return null;
    }
  }
}
