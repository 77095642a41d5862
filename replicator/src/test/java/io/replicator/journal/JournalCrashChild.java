package io.replicator.journal;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * The writer that {@link JournalCrashTest} kills: appends the standard entries after the journal's last
 * seq and prints each seq once its append has returned. Stops by itself after a time and count bound.
 */
public final class JournalCrashChild {
    private JournalCrashChild() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long deadline = System.nanoTime() + Duration.ofSeconds(Long.parseLong(args[1])).toNanos();
        try (ChronicleJournal journal = ChronicleJournal.open(dir, 1L << 40, Duration.ofDays(1), Clock.systemUTC())) {
            long seq = journal.lastSeq() + 1;
            for (int n = 0; n < 5_000_000 && System.nanoTime() - deadline < 0; n++, seq++) {
                Entries.append(journal, seq);
                System.out.println(seq);
            }
        }
    }
}
