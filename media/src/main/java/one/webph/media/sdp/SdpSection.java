package one.webph.media.sdp;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Ordered lines of one SDP section (the session part or one media part, without its first {@code v=}/{@code m=}
 * line). Typed accessors read and rewrite lines in place, so untouched lines keep their text and position.
 */
public abstract class SdpSection {
    protected final List<SdpLine> lines = new ArrayList<>();

    /** All lines of this section, in order (mutable view). */
    public List<SdpLine> lines() {
        return lines;
    }

    public SdpLine firstLine(char type) {
        for (SdpLine l : lines) {
            if (l.type() == type) {
                return l;
            }
        }
        return null;
    }

    /** Replaces the first line of the type, or inserts it at {@code insertIndexFor(type)} when absent. */
    public void setLine(char type, String value) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).type() == type) {
                lines.set(i, new SdpLine(type, value));
                return;
            }
        }
        lines.add(insertIndexFor(type), new SdpLine(type, value));
    }

    /** Where a new line of the given type goes so that RFC 8866 line order is kept. */
    protected abstract int insertIndexFor(char type);

    protected int indexAfterLast(String typesInOrder, char type) {
        int rank = typesInOrder.indexOf(type);
        int index = 0;
        for (int i = 0; i < lines.size(); i++) {
            int r = typesInOrder.indexOf(lines.get(i).type());
            if (r >= 0 && r <= rank) {
                index = i + 1;
            }
        }
        return index;
    }

    public Connection connection() {
        SdpLine c = firstLine('c');
        return c == null ? null : Connection.parse(c.value());
    }

    public void setConnection(Connection connection) {
        setLine('c', connection.toString());
    }

    public boolean hasAttribute(String name) {
        return attribute(name) != null;
    }

    /** Value of the first {@code a=name:value}; "" for a flag attribute; null when absent. */
    public String attribute(String name) {
        for (SdpLine l : lines) {
            if (l.isAttribute(name)) {
                String v = l.attributeValue();
                return v == null ? "" : v;
            }
        }
        return null;
    }

    public List<String> attributes(String name) {
        List<String> values = new ArrayList<>();
        for (SdpLine l : lines) {
            if (l.isAttribute(name)) {
                String v = l.attributeValue();
                values.add(v == null ? "" : v);
            }
        }
        return values;
    }

    public void addAttribute(String name, String value) {
        lines.add(SdpLine.attribute(name, value));
    }

    /** Replaces the first occurrence (keeping its position) and removes others; appends when absent. */
    public void setAttribute(String name, String value) {
        int first = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isAttribute(name)) {
                if (first < 0) {
                    first = i;
                    lines.set(i, SdpLine.attribute(name, value));
                } else {
                    lines.remove(i--);
                }
            }
        }
        if (first < 0) {
            addAttribute(name, value);
        }
    }

    public int removeAttributes(String name) {
        return removeLines(l -> l.isAttribute(name));
    }

    public int removeLines(Predicate<SdpLine> which) {
        int before = lines.size();
        lines.removeIf(which);
        return before - lines.size();
    }

    public Direction explicitDirection() {
        for (SdpLine l : lines) {
            if (l.type() == 'a') {
                Direction d = Direction.fromAttributeName(l.value());
                if (d != null) {
                    return d;
                }
            }
        }
        return null;
    }

    /** Sets the direction attribute in place of an existing one, or appends it. */
    public void setDirection(Direction direction) {
        for (int i = 0; i < lines.size(); i++) {
            SdpLine l = lines.get(i);
            if (l.type() == 'a' && Direction.fromAttributeName(l.value()) != null) {
                lines.set(i, SdpLine.attribute(direction.attributeName(), null));
                return;
            }
        }
        addAttribute(direction.attributeName(), null);
    }

    public void removeDirection() {
        removeLines(l -> l.type() == 'a' && Direction.fromAttributeName(l.value()) != null);
    }

    public Fingerprint fingerprint() {
        String f = attribute("fingerprint");
        return f == null ? null : Fingerprint.parse(f);
    }
}
