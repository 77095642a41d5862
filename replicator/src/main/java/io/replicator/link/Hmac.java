package io.replicator.link;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Challenge and response: each side sends a random nonce and answers the other's with
 * HMAC-SHA256(secret, nonce | its own node name | resource). The secret never crosses the wire, and an
 * answer cannot be replayed (fresh nonce) or reflected (the name is the answerer's).
 */
final class Hmac {
    static final int NONCE_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Hmac() {
    }

    static byte[] nonce() {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    static byte[] answer(byte[] secret, byte[] nonce, String answerer, String resource) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(nonce);
            mac.update((byte) 0);
            mac.update(answerer.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            mac.update(resource.getBytes(StandardCharsets.UTF_8));
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    static boolean verify(byte[] expected, byte[] actual) {
        return MessageDigest.isEqual(expected, actual);
    }
}
