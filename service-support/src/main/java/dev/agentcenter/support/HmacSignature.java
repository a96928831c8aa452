package dev.agentcenter.support;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Webhook signatures in GitHub's format: {@code sha256=<hex of HMAC-SHA256(secret, body)>}, the value of GitHub's
 * {@code X-Hub-Signature-256} and of the product's own outbound {@code X-Agent-Center-Signature-256}.
 */
public final class HmacSignature {

    private static final String PREFIX = "sha256=";

    private HmacSignature() {}

    /** The signature header value for {@code body}. */
    public static String sign(String secret, byte[] body) {
        return PREFIX + HexFormat.of().formatHex(mac(secret, body));
    }

    /**
     * Whether {@code header} is the signature of {@code body}; compared in constant time, so the time taken tells an
     * attacker nothing about how much of a forged signature was right.
     */
    public static boolean matches(String secret, byte[] body, String header) {
        if (header == null || !header.startsWith(PREFIX)) {
            return false;
        }
        byte[] presented;
        try {
            presented =
                    HexFormat.of().parseHex(header.substring(PREFIX.length()).strip());
        } catch (IllegalArgumentException notHex) {
            return false;
        }
        return MessageDigest.isEqual(presented, mac(secret, body));
    }

    private static byte[] mac(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }
}
