package io.replicator.journal;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * The writer that {@link JournalCrashTest} kills: appends the standard entries after the journal's last
 * seq and prints each seq once its append has returned. Stops by itself after a time and count bound.
 * Arguments: directory, seconds, and optionally a segment size and a keep-behind: then the journal rolls by
 * size every few entries and the writer applies retention (keep-from = seq - keep-behind, under a bound of
 * four segments) and syncs every 50 appends, so the kill also lands in the middle of those.
 */
public final class JournalCrashChild {
    private JournalCrashChild() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long deadline = System.nanoTime() + Duration.ofSeconds(Long.parseLong(args[1])).toNanos();
        boolean segmented = args.length > 2;
        long segmentBytes = segmented ? Long.parseLong(args[2]) : 0;
        long keepBehind = segmented ? Long.parseLong(args[3]) : 0;
        try (ChronicleJournal journal = segmented ? open(dir, segmentBytes)
                : ChronicleJournal.open(dir, 1L << 40, Duration.ofDays(1), Clock.systemUTC())) {
            long seq = journal.lastSeq() + 1;
            for (int n = 0; n < 5_000_000 && System.nanoTime() - deadline < 0; n++, seq++) {
                Entries.append(journal, seq);
                System.out.println(seq);
                if (segmented && n % 50 == 49) {
                    journal.trim(seq - keepBehind);
                    journal.sync();
                }
            }
        }
    }

    static ChronicleJournal open(Path dir, long segmentBytes) throws java.io.IOException {
        return ChronicleJournal.open(dir, 4 * segmentBytes, Duration.ofDays(1), Clock.systemUTC(), segmentBytes);
    }
}
