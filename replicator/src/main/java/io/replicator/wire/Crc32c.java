package io.replicator.wire;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** CRC32C over a region of a ByteBuf through NIO views of its memory: no copy, whatever its kind. */
final class Crc32c {

    private Crc32c() {
    }

    static void update(CRC32C crc, ByteBuf buf, int index, int length) {
        if (length == 0) {
            return;
        }
        if (buf.nioBufferCount() == 1) {
            crc.update(buf.nioBuffer(index, length));
        } else {
            for (ByteBuffer view : buf.nioBuffers(index, length)) {
                crc.update(view);
            }
        }
    }
}
