package io.replicator.nbd.device;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A device that passes every call to another one: extend it and override what differs (a device that
 * does something before a write, a test that records calls). The {@code submit} forms and the
 * refusal keep the interface's defaults, so they reach the overridden blocking operations.
 */
public abstract class ForwardingBlockDevice implements BlockDevice {

    protected final BlockDevice disk;

    protected ForwardingBlockDevice(BlockDevice disk) {
        this.disk = disk;
    }

    @Override
    public long sizeBytes() {
        return disk.sizeBytes();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        disk.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuf data, boolean fua) throws IOException {
        disk.write(offset, data, fua);
    }

    @Override
    public void flush() throws IOException {
        disk.flush();
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws IOException {
        disk.trim(offset, length, fua);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayPunch, boolean fastOnly, boolean fua) throws IOException {
        disk.writeZeroes(offset, length, mayPunch, fastOnly, fua);
    }

    @Override
    public void cache(long offset, long length) throws IOException {
        disk.cache(offset, length);
    }

    @Override
    public void blockStatus(long offset, long length, ExtentSink sink) throws IOException {
        disk.blockStatus(offset, length, sink);
    }

    @Override
    public boolean isReadOnly() {
        return disk.isReadOnly();
    }

    @Override
    public boolean canTrim() {
        return disk.canTrim();
    }

    @Override
    public boolean canFastZero() {
        return disk.canFastZero();
    }

    @Override
    public boolean canMultiConn() {
        return disk.canMultiConn();
    }

    @Override
    public boolean isRotational() {
        return disk.isRotational();
    }

    @Override
    public int requestsPerThread() {
        return disk.requestsPerThread();
    }

    @Override
    public void close() throws IOException {
        disk.close();
    }
}
