package io.replicator.e2e.pair;

import io.replicator.e2e.ExternalTool;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Two network namespaces made by the test, joined by one veth pair: {@code 10.231.0.1} in the first,
 * {@code 10.231.0.2} in the second (addresses that exist only inside them). A daemon runs in each
 * ({@code ip netns exec}); cutting the veth link partitions them for real: packets stop, and the
 * connection dies by its ping timeout, not by a close. Removed on {@link #close()}.
 */
final class NetnsPair implements AutoCloseable {
    static final String ADDRESS_A = "10.231.0.1";
    static final String ADDRESS_B = "10.231.0.2";

    final String a;
    final String b;
    private boolean created;

    NetnsPair() {
        String tag = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
        this.a = "rpA" + tag;
        this.b = "rpB" + tag;
    }

    /** Creates both namespaces and the link; needs root (CI runs as root). */
    static NetnsPair create() {
        NetnsPair net = new NetnsPair();
        net.created = true;
        try {
            ip("netns", "add", net.a);
            ip("netns", "add", net.b);
            ip("link", "add", "veth-" + net.a, "netns", net.a, "type", "veth", "peer", "name", "veth-" + net.b, "netns", net.b);
            ip("-n", net.a, "addr", "add", ADDRESS_A + "/24", "dev", "veth-" + net.a);
            ip("-n", net.b, "addr", "add", ADDRESS_B + "/24", "dev", "veth-" + net.b);
            for (String ns : List.of(net.a, net.b)) {
                ip("-n", ns, "link", "set", "lo", "up");
                ip("-n", ns, "link", "set", "veth-" + ns, "up");
            }
        } catch (RuntimeException | Error e) {
            net.close();
            throw e;
        }
        return net;
    }

    /** The prefix that runs a command inside namespace {@code ns}. */
    static List<String> exec(String ns) {
        return List.of("ip", "netns", "exec", ns);
    }

    /** Runs {@code command} inside {@code ns} and asserts success. */
    static ExternalTool.Result runIn(String ns, String... command) {
        List<String> full = new ArrayList<>(exec(ns));
        full.addAll(List.of(command));
        return ExternalTool.runOk(ExternalTool.LONG, full.toArray(String[]::new));
    }

    /** Cuts the link: both ends down, so no packet passes either way. */
    void partition() {
        ip("-n", a, "link", "set", "veth-" + a, "down");
        ip("-n", b, "link", "set", "veth-" + b, "down");
    }

    void heal() {
        ip("-n", a, "link", "set", "veth-" + a, "up");
        ip("-n", b, "link", "set", "veth-" + b, "up");
    }

    private static void ip(String... args) {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        ExternalTool.runOk(ExternalTool.SHORT, command.toArray(String[]::new));
    }

    /** Removes the namespaces (the veth pair goes with them); call after the daemons in them stopped. */
    @Override
    public void close() {
        if (!created) {
            return;
        }
        created = false;
        for (String ns : List.of(a, b)) {
            ExternalTool.run(ExternalTool.SHORT, "ip", "netns", "delete", ns);
        }
    }
}
