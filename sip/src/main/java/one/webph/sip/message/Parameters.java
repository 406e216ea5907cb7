package one.webph.sip.message;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Immutable, ordered list of {@code ;name[=value]} parameters (URI parameters or header parameters).
 * Names compare case-insensitively. Values are kept as written (a quoted-string keeps its quotes) so that
 * re-serialisation is faithful; {@link #get} returns the value with quotes and quoted-pairs removed.
 * A parameter without value ({@code ;lr}) has value {@code null} but {@link #has} is true.
 */
public final class Parameters {
    public static final Parameters EMPTY = new Parameters(new String[0], new String[0]);

    private final String[] names;
    private final String[] values;

    private Parameters(String[] names, String[] values) {
        this.names = names;
        this.values = values;
    }

    public static Parameters of(String... nameValuePairs) {
        if (nameValuePairs.length % 2 != 0) {
            throw new IllegalArgumentException("name/value pairs expected");
        }
        Parameters p = EMPTY;
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            p = p.with(nameValuePairs[i], nameValuePairs[i + 1]);
        }
        return p;
    }

    /** Builder used by the parsers; keeps duplicates as written. */
    static final class Builder {
        private final List<String> names = new ArrayList<>(4);
        private final List<String> values = new ArrayList<>(4);

        void add(String name, String rawValue) {
            names.add(name);
            values.add(rawValue);
        }

        Parameters build() {
            if (names.isEmpty()) {
                return EMPTY;
            }
            return new Parameters(names.toArray(new String[0]), values.toArray(new String[0]));
        }
    }

    private int indexOf(String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equalsIgnoreCase(name)) {
                return i;
            }
        }
        return -1;
    }

    public boolean has(String name) {
        return indexOf(name) >= 0;
    }

    /** Unquoted value, or null when absent or valueless. */
    public String get(String name) {
        int i = indexOf(name);
        return i < 0 ? null : unquote(values[i]);
    }

    /** Value exactly as written (quotes included), or null. */
    public String getRaw(String name) {
        int i = indexOf(name);
        return i < 0 ? null : values[i];
    }

    public int size() {
        return names.length;
    }

    public boolean isEmpty() {
        return names.length == 0;
    }

    public List<String> names() {
        return Collections.unmodifiableList(Arrays.asList(names));
    }

    /**
     * Sets (replacing the first occurrence, keeping its position) or appends a parameter.
     * @param rawValue value as it must be written (quote it with {@link SipText#quote} if needed), or null for a flag
     */
    public Parameters with(String name, String rawValue) {
        if (!SipText.isToken(name)) {
            throw new IllegalArgumentException("parameter name is not a token: " + name);
        }
        int i = indexOf(name);
        if (i >= 0) {
            String[] v = values.clone();
            v[i] = rawValue;
            return new Parameters(names, v);
        }
        String[] n = Arrays.copyOf(names, names.length + 1);
        String[] v = Arrays.copyOf(values, values.length + 1);
        n[names.length] = name;
        v[values.length] = rawValue;
        return new Parameters(n, v);
    }

    public Parameters without(String name) {
        int i = indexOf(name);
        if (i < 0) {
            return this;
        }
        String[] n = new String[names.length - 1];
        String[] v = new String[names.length - 1];
        for (int j = 0, k = 0; j < names.length; j++) {
            if (j != i) {
                n[k] = names[j];
                v[k++] = values[j];
            }
        }
        return new Parameters(n, v);
    }

    /** Appends {@code ;name[=value]} for each parameter. */
    public void appendTo(StringBuilder sb) {
        for (int i = 0; i < names.length; i++) {
            sb.append(';').append(names[i]);
            if (values[i] != null) {
                sb.append('=').append(values[i]);
            }
        }
    }

    static String unquote(String raw) {
        if (raw == null || raw.length() < 2 || raw.charAt(0) != '"') {
            return raw;
        }
        StringBuilder sb = new StringBuilder(raw.length());
        for (int i = 1; i < raw.length() - 1; i++) {
            char c = raw.charAt(i);
            if (c == '\\' && i + 1 < raw.length() - 1) {
                c = raw.charAt(++i);
            }
            sb.append(c);
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Parameters p && Arrays.equals(names, p.names) && Arrays.equals(values, p.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(names) * 31 + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        appendTo(sb);
        return sb.toString();
    }
}
