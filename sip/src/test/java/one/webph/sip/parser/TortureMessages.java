package one.webph.sip.parser;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Loads RFC 4475 messages from test resources, expanding the RFC notation (LF to CRLF, hex blocks). */
public final class TortureMessages {
    private TortureMessages() {}

    public static byte[] load(String dirAndName) {
        String text;
        try (InputStream in = TortureMessages.class.getResourceAsStream("/rfc4475/" + dirAndName + ".txt")) {
            if (in == null) {
                throw new IllegalArgumentException("no torture message " + dirAndName);
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        text = text.replace("\n", "\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pos = 0;
        while (true) {
            int h = text.indexOf("<hex>", pos);
            if (h < 0) {
                break;
            }
            int e = text.indexOf("</hex>", h);
            out.writeBytes(text.substring(pos, h).getBytes(StandardCharsets.UTF_8));
            out.writeBytes(HexFormat.of().parseHex(text.substring(h + 5, e)));
            pos = e + 6;
        }
        out.writeBytes(text.substring(pos).getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }
}
