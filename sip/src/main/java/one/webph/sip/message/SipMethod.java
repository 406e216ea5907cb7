package one.webph.sip.message;

import java.util.Set;

/** Method names (case-sensitive tokens). Unknown extension methods are plain strings too. */
public final class SipMethod {
    private SipMethod() {}

    public static final String INVITE = "INVITE";
    public static final String ACK = "ACK";
    public static final String BYE = "BYE";
    public static final String CANCEL = "CANCEL";
    public static final String OPTIONS = "OPTIONS";
    public static final String REGISTER = "REGISTER";
    public static final String PRACK = "PRACK";
    public static final String SUBSCRIBE = "SUBSCRIBE";
    public static final String NOTIFY = "NOTIFY";
    public static final String PUBLISH = "PUBLISH";
    public static final String INFO = "INFO";
    public static final String REFER = "REFER";
    public static final String MESSAGE = "MESSAGE";
    public static final String UPDATE = "UPDATE";

    public static final Set<String> STANDARD = Set.of(INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, PRACK, SUBSCRIBE,
            NOTIFY, PUBLISH, INFO, REFER, MESSAGE, UPDATE);

    /** The shared constant for a standard method (messages kept for a while then share one string), else m. */
    public static String canonical(String m) {
        return switch (m) {
            case INVITE -> INVITE;
            case ACK -> ACK;
            case BYE -> BYE;
            case CANCEL -> CANCEL;
            case OPTIONS -> OPTIONS;
            case REGISTER -> REGISTER;
            case PRACK -> PRACK;
            case SUBSCRIBE -> SUBSCRIBE;
            case NOTIFY -> NOTIFY;
            case PUBLISH -> PUBLISH;
            case INFO -> INFO;
            case REFER -> REFER;
            case MESSAGE -> MESSAGE;
            case UPDATE -> UPDATE;
            default -> m;
        };
    }

    /** True for e.g. "invite" or "Register": a standard method in the wrong case, which we reject. */
    public static boolean isMiscasedStandard(String method) {
        if (STANDARD.contains(method)) {
            return false;
        }
        for (String m : STANDARD) {
            if (m.equalsIgnoreCase(method)) {
                return true;
            }
        }
        return false;
    }
}
