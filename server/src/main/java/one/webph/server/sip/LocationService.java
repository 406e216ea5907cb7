package one.webph.server.sip;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The location table in memory (the registrar answers and the proxy routes from here, never from the database):
 * number -> bindings. Applies {@link Registrar} rules, drops bindings of closed connections at once, expires
 * the rest. Listeners learn which numbers changed (persistence) and which bindings are new (a ringing call may
 * fork to a device that just registered). Thread-safe (synchronized); used mostly from the SIP event loop.
 */
public final class LocationService {
  private final SipSettings settings;
  private final Map<String, List<Binding>> byNumber = new HashMap<>();
  private final Map<String, Set<String>> numbersByFlow = new HashMap<>();
  private final List<Consumer<String>> changeListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<Binding>> newBindingListeners = new CopyOnWriteArrayList<>();

  public LocationService(SipSettings settings) {
    this.settings = settings;
  }

  /** Called with a number whose bindings changed (after the change). */
  public void onChange(Consumer<String> listener) {
    changeListeners.add(listener);
  }

  /** Called for each binding that did not exist before (a new device or a re-registered app). */
  public void onNewBinding(Consumer<Binding> listener) {
    newBindingListeners.add(listener);
  }

  /** Unexpired bindings of a number: highest q first, then most recently registered first. */
  public synchronized List<Binding> lookup(String number, long nowMillis) {
    List<Binding> all = byNumber.get(number);
    if (all == null) {
      return List.of();
    }
    List<Binding> live = new ArrayList<>();
    for (Binding b : all) {
      if (!b.isExpired(nowMillis)) {
        live.add(b);
      }
    }
    live.sort(Comparator.comparingDouble((Binding b) -> -b.q()).thenComparing(b -> -b.registeredAtMillis()));
    return live;
  }

  /** Applies a REGISTER (RFC 3261 10.3) and stores the result when it succeeds. */
  public Registrar.Outcome register(Registrar.Request request, long nowMillis) {
    Registrar.Outcome outcome;
    synchronized (this) {
      List<Binding> current = lookup(request.number(), nowMillis);
      outcome = Registrar.apply(settings, current, request, nowMillis);
      if (outcome.isSuccess() && !(outcome.added().isEmpty() && outcome.removed().isEmpty()
          && outcome.bindings().equals(current))) {
        store(request.number(), outcome.bindings());
      }
    }
    if (outcome.isSuccess() && request.contacts().size() > 0) {
      fireChange(request.number());
      for (Binding b : outcome.added()) {
        newBindingListeners.forEach(l -> l.accept(b));
      }
    }
    return outcome;
  }

  /** Removes every binding made over a connection that just closed; returns them. */
  public List<Binding> removeFlow(String flowId) {
    List<Binding> removed = new ArrayList<>();
    Set<String> numbers;
    synchronized (this) {
      numbers = numbersByFlow.remove(flowId);
      if (numbers == null) {
        return List.of();
      }
      for (String number : numbers) {
        List<Binding> all = byNumber.get(number);
        if (all == null) {
          continue;
        }
        List<Binding> kept = new ArrayList<>();
        for (Binding b : all) {
          (flowId.equals(b.flowId()) ? removed : kept).add(b);
        }
        store(number, kept);
      }
    }
    numbers.forEach(this::fireChange);
    return removed;
  }

  /** Removes expired bindings; returns how many. */
  public int sweep(long nowMillis) {
    List<String> changed = new ArrayList<>();
    int count = 0;
    synchronized (this) {
      for (Map.Entry<String, List<Binding>> e : new ArrayList<>(byNumber.entrySet())) {
        List<Binding> live = e.getValue().stream().filter(b -> !b.isExpired(nowMillis)).toList();
        if (live.size() != e.getValue().size()) {
          count += e.getValue().size() - live.size();
          store(e.getKey(), live);
          changed.add(e.getKey());
        }
      }
    }
    changed.forEach(this::fireChange);
    return count;
  }

  /** Loads bindings (from the database at startup) without notifying listeners. */
  public synchronized void load(List<Binding> bindings, long nowMillis) {
    Map<String, List<Binding>> grouped = new HashMap<>();
    for (Binding b : bindings) {
      if (!b.isExpired(nowMillis)) {
        grouped.computeIfAbsent(b.number(), k -> new ArrayList<>()).add(b);
      }
    }
    grouped.forEach(this::store);
  }

  /** Bindings currently held (expired ones not yet swept included). */
  public synchronized int size() {
    return byNumber.values().stream().mapToInt(List::size).sum();
  }

  /** Every binding of a number as stored (for persistence), expired ones included until swept. */
  synchronized List<Binding> stored(String number) {
    List<Binding> all = byNumber.get(number);
    return all == null ? List.of() : List.copyOf(all);
  }

  private void store(String number, List<Binding> bindings) {
    List<Binding> old = byNumber.get(number);
    if (old != null) {
      for (Binding b : old) {
        unindexFlow(b.flowId(), number);
      }
    }
    if (bindings.isEmpty()) {
      byNumber.remove(number);
      return;
    }
    byNumber.put(number, List.copyOf(bindings));
    for (Binding b : bindings) {
      if (b.flowId() != null) {
        numbersByFlow.computeIfAbsent(b.flowId(), k -> new HashSet<>()).add(number);
      }
    }
  }

  private void unindexFlow(String flowId, String number) {
    if (flowId == null) {
      return;
    }
    Set<String> numbers = numbersByFlow.get(flowId);
    if (numbers != null) {
      numbers.remove(number);
      if (numbers.isEmpty()) {
        numbersByFlow.remove(flowId);
      }
    }
  }

  private void fireChange(String number) {
    changeListeners.forEach(l -> l.accept(number));
  }
}
