package io.multifd.core.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made at test time with {@code openssl} (and {@code keytool} from java.home for an
 * expired one); no private key is ever committed.
 */
public final class TestCerts {

    public final Path dir;

    public TestCerts(Path dir) {
        this.dir = dir;
    }

    public Path p(String name) {
        return dir.resolve(name);
    }

    void run(String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        Process proc = pb.start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!proc.waitFor(60, TimeUnit.SECONDS) || proc.exitValue() != 0) {
            proc.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    /** A CA named {@code name}: name.crt, name.key. */
    public TestCerts ca(String name) throws Exception {
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out",
                name + ".crt", "-days", "2", "-subj", "/CN=" + name);
        return this;
    }

    /** A leaf signed by a CA, with subject alternative names: name.crt, name.key (PKCS#8). */
    public TestCerts leaf(String name, String ca, String san) throws Exception {
        run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
                "-subj", "/CN=" + name);
        Files.writeString(p(name + ".ext"), "subjectAltName=" + san + "\n");
        run("openssl", "x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
                "-CAcreateserial", "-out", name + ".crt", "-days", "2", "-extfile", name + ".ext");
        return this;
    }

    /** The key of a leaf as PKCS#1 (RSA PRIVATE KEY), as QEMU setups often have it. */
    public Path pkcs1(String name) throws Exception {
        run("openssl", "rsa", "-in", name + ".key", "-traditional", "-out", name + "-rsa.key");
        assert Files.readString(p(name + "-rsa.key")).contains("BEGIN RSA PRIVATE KEY");
        return p(name + "-rsa.key");
    }

    /**
     * A leaf whose validity ended yesterday, signed by a valid CA (a trust anchor's own dates are
     * not checked, so the leaf must not be self-signed): name.crt, name.key, name-ca.crt.
     */
    public TestCerts expired(String name) throws Exception {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        String[] store = {"-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit"};
        run(concat(List.of(keytool, "-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-dname",
                "CN=" + name + "-ca", "-ext", "bc:c", "-validity", "2", "-keystore", name + "-ca.p12"), store));
        run(concat(List.of(keytool, "-exportcert", "-rfc", "-alias", "ca", "-file", name + "-ca.crt", "-keystore",
                name + "-ca.p12"), store));
        run(concat(List.of(keytool, "-genkeypair", "-alias", "leaf", "-keyalg", "RSA", "-keysize", "2048", "-dname",
                "CN=localhost", "-keystore", name + ".p12"), store));
        run(concat(List.of(keytool, "-certreq", "-alias", "leaf", "-file", name + ".csr", "-keystore", name + ".p12"),
                store));
        run(concat(List.of(keytool, "-gencert", "-alias", "ca", "-infile", name + ".csr", "-outfile", name + ".crt",
                "-rfc", "-startdate", "-3d", "-validity", "1", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-keystore",
                name + "-ca.p12"), store));
        run("openssl", "pkcs12", "-in", name + ".p12", "-passin", "pass:changeit", "-nodes", "-nocerts", "-out",
                name + ".key");
        return this;
    }

    private static String[] concat(List<String> a, String[] b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }
}
