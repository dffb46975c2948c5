package jhmm.device.dmirror;

/** The one-byte protection codes HMM_DMIRROR_SNAPSHOT reports per page (test_hmm_uapi.h). */
public final class DmirrorProt {
    public static final int ERROR = 0xFF;
    public static final int NONE = 0x00;
    public static final int READ = 0x01;
    public static final int WRITE = 0x02;
    public static final int PMD = 0x04;
    public static final int PUD = 0x08;
    public static final int ZERO = 0x10;
    public static final int DEV_PRIVATE_LOCAL = 0x20;
    public static final int DEV_PRIVATE_REMOTE = 0x30;
    public static final int DEV_COHERENT_LOCAL = 0x40;
    public static final int DEV_COHERENT_REMOTE = 0x50;

    private DmirrorProt() {}

    private static final String[] KINDS = {"", "ZERO", "DEV_PRIVATE_LOCAL", "DEV_PRIVATE_REMOTE", "DEV_COHERENT_LOCAL", "DEV_COHERENT_REMOTE"};

    /** The scenario spelling of a code, e.g. {@code WRITE+PMD}, {@code READ+ZERO}, {@code ERROR}. */
    public static String name(int code) {
        code &= 0xFF;
        if (code == ERROR) {
            return "ERROR";
        }
        if (code == NONE) {
            return "NONE";
        }
        StringBuilder b = new StringBuilder();
        b.append((code & WRITE) != 0 ? "WRITE" : (code & READ) != 0 ? "READ" : "NONE");
        if ((code & PMD) != 0) {
            b.append("+PMD");
        }
        if ((code & PUD) != 0) {
            b.append("+PUD");
        }
        int kind = (code >>> 4) & 0xF;
        if (kind > 0 && kind < KINDS.length) {
            b.append('+').append(KINDS[kind]);
        }
        return b.toString();
    }

    /** Parses a scenario code word; -1 when it is not one. */
    public static int parse(String word) {
        if (word.equals("ERROR")) {
            return ERROR;
        }
        int code = 0;
        for (String part : word.split("\\+")) {
            int bit = switch (part) {
                case "NONE" -> 0;
                case "READ" -> READ;
                case "WRITE" -> WRITE;
                case "PMD" -> PMD;
                case "PUD" -> PUD;
                case "ZERO" -> ZERO;
                case "DEV_PRIVATE_LOCAL" -> DEV_PRIVATE_LOCAL;
                case "DEV_PRIVATE_REMOTE" -> DEV_PRIVATE_REMOTE;
                case "DEV_COHERENT_LOCAL" -> DEV_COHERENT_LOCAL;
                case "DEV_COHERENT_REMOTE" -> DEV_COHERENT_REMOTE;
                default -> -1;
            };
            if (bit < 0) {
                return -1;
            }
            code |= bit;
        }
        return code;
    }
}
