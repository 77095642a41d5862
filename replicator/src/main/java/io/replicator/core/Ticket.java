package io.replicator.core;

/**
 * What a client request waits for after its local part: stream message {@code pos} reaching an ack
 * {@code level}. {@code seq} is the newest journal seq the request covers (a flush's checkpoint).
 */
public record Ticket(AckTracker acks, long pos, int level, long seq) {

    static Ticket local(long seq) {
        return new Ticket(null, 0, AckTracker.NONE, seq);
    }

    public boolean isDone() {
        return acks == null || acks.isDone(pos, level);
    }

    /** Runs {@code then} when the ticket is done (see {@link AckTracker#whenDone}). */
    public void whenDone(Runnable then) {
        if (acks == null) {
            then.run();
        } else {
            acks.whenDone(pos, level, then);
        }
    }

    /** @return false if the peer went away before acknowledging (the write stands locally) */
    public boolean await() throws InterruptedException {
        return acks == null || acks.await(pos, level);
    }
}
