package io.multifd.core.tls;

import io.multifd.api.MultifdException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM files: X.509 certificates ({@code CERTIFICATE} blocks, a chain in order) and an
 * unencrypted private key, PKCS#8 ({@code PRIVATE KEY}: RSA, EC, Ed25519, Ed448) or PKCS#1
 * ({@code RSA PRIVATE KEY}, as QEMU's {@code certtool}/{@code openssl -traditional} write it,
 * converted to PKCS#8 here). Encrypted keys and SEC1 {@code EC PRIVATE KEY} are refused with the
 * {@code openssl pkcs8 -topk8 -nocrypt} command that converts them. Files are limited to
 * {@value #MAX_FILE_BYTES} bytes.
 *
 * @since 0.1
 */
public final class PemFiles {

    /** Largest PEM file read. */
    public static final int MAX_FILE_BYTES = 1 << 20;

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"};

    private PemFiles() {
    }

    /** One PEM block. */
    private record Block(String label, byte[] der) {
    }

    private static List<Block> blocks(Path file, String what) throws MultifdException {
        String text;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new MultifdException(what + " " + file + " is larger than " + MAX_FILE_BYTES + " bytes");
            }
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new MultifdException("cannot read the " + what + " " + file + ": " + e.getMessage(), e);
        }
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            try {
                out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new MultifdException("the " + what + " " + file + " has a malformed " + m.group(1) + " block: "
                        + e.getMessage(), e);
            }
        }
        if (out.isEmpty()) {
            throw new MultifdException("the " + what + " " + file + " holds no PEM block (-----BEGIN ...-----)");
        }
        return out;
    }

    /**
     * The certificates of a PEM file, in file order.
     *
     * @param file the file
     * @param what what it is, for messages ("certificate", "CA certificate")
     * @return at least one certificate
     * @throws MultifdException when the file cannot be read or holds no valid certificate
     */
    public static List<X509Certificate> certificates(Path file, String what) throws MultifdException {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(file, what)) {
                if (b.label().equals("CERTIFICATE") || b.label().equals("TRUSTED CERTIFICATE")) {
                    Certificate c = cf.generateCertificate(new ByteArrayInputStream(b.der()));
                    out.add((X509Certificate) c);
                }
            }
        } catch (GeneralSecurityException e) {
            throw new MultifdException("the " + what + " " + file + " holds an invalid certificate: " + e.getMessage(),
                    e);
        }
        if (out.isEmpty()) {
            throw new MultifdException("the " + what + " " + file + " holds no CERTIFICATE block");
        }
        return out;
    }

    /**
     * The private key of a PEM file.
     *
     * @param file the file
     * @return the key
     * @throws MultifdException when the file holds no usable unencrypted key
     */
    public static PrivateKey privateKey(Path file) throws MultifdException {
        for (Block b : blocks(file, "private key")) {
            switch (b.label()) {
                case "PRIVATE KEY" -> {
                    return pkcs8(b.der(), file);
                }
                case "RSA PRIVATE KEY" -> {
                    return pkcs8(rsaPkcs1ToPkcs8(b.der()), file);
                }
                case "ENCRYPTED PRIVATE KEY", "EC PRIVATE KEY" -> throw new MultifdException("the private key " + file
                        + " is a " + b.label() + " block; convert it to an unencrypted PKCS#8 key with: openssl pkcs8 "
                        + "-topk8 -nocrypt -in " + file + " -out key-pkcs8.pem");
                default -> {
                    // another block (a certificate in the same file): skip
                }
            }
        }
        throw new MultifdException("the private key file " + file + " holds no PRIVATE KEY or RSA PRIVATE KEY block");
    }

    private static PrivateKey pkcs8(byte[] der, Path file) throws MultifdException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        List<String> tried = new ArrayList<>();
        for (String alg : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                tried.add(alg + ": " + e.getMessage());
            }
        }
        throw new MultifdException("the private key " + file + " is not an RSA, EC or EdDSA PKCS#8 key: " + tried);
    }

    /**
     * Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo: SEQUENCE { INTEGER 0, SEQUENCE {
     * OID rsaEncryption, NULL }, OCTET STRING { pkcs1 } }.
     */
    static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
        byte[] version = {0x02, 0x01, 0x00};
        byte[] algorithm = {0x30, 0x0D, 0x06, 0x09, 0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xF7, 0x0D, 0x01, 0x01,
            0x01, 0x05, 0x00};
        byte[] octets = der(0x04, pkcs1);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(version);
        body.writeBytes(algorithm);
        body.writeBytes(octets);
        return der(0x30, body.toByteArray());
    }

    private static byte[] der(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >>> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >>> 16);
            out.write(n >>> 8);
            out.write(n);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }
}
