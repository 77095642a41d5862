package io.replicator.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Map;

/**
 * Runs libnbd's Python shell ({@code /usr/bin/python3 -m nbd}, the same as nbdsh) against a URI,
 * with the implicit handle {@code h} connected and the base:allocation context requested.
 */
public final class Nbdsh {

    private Nbdsh() {}

    /** Runs a Python script with {@code h} connected to {@code uri}. */
    public static ExternalTool.Result run(String uri, String script) {
        return ExternalTool.run(ExternalTool.SHORT, Map.of(),
                List.of(ExternalTool.NBD_PYTHON, "-m", "nbd", "--base-allocation", "-u", uri, "-c", script));
    }

    /**
     * Sends one request with client-side checks off ({@code set_strict_mode(0)}), returns the errno
     * name of the server's error reply ("OK" when it succeeded), and fails unless a good 4 KiB read at
     * offset 0 still succeeds afterwards on the same connection. {@code statement} is one Python line
     * that may use {@code h}, {@code nbd} and {@code size} (the export size).
     */
    public static String errnoOf(String uri, String statement) {
        String script = String.join("\n",
                "import nbd",
                "h.set_strict_mode(0)",
                "size = h.get_size()",
                "try:",
                "    " + statement,
                "    print('RESULT OK')",
                "except nbd.Error as e:",
                "    print('RESULT', e.errno)",
                "try:",
                "    print('AFTER', 'OK' if len(h.pread(4096, 0)) == 4096 else 'SHORT')",
                "except Exception as e:",
                "    print('AFTER', repr(e))");
        ExternalTool.Result result = run(uri, script).assertSuccess();
        String errno = null;
        boolean usableAfter = false;
        for (String line : result.stdout().split("\n")) {
            if (line.startsWith("RESULT ")) {
                errno = line.substring("RESULT ".length()).trim();
            } else if (line.equals("AFTER OK")) {
                usableAfter = true;
            }
        }
        if (errno == null) {
            fail("no RESULT line: " + result.describe());
        }
        if (!usableAfter) {
            fail("the connection did not serve a good read after `" + statement + "` (" + errno + "): "
                    + result.describe());
        }
        return errno;
    }
}
