package io.multifd.core.image;

import java.nio.file.Path;
import java.util.Map;

/** Test access to {@link MemoryImage#mapForSending}'s mapping with a window size of the test's choice. */
public final class SendWindows {

    private SendWindows() {
    }

    /**
     * @param pageSize    the page size
     * @param files       block to file
     * @param windowShift log2 of the window (storage chunk) size, at least the page size's
     * @return the image, releasable where unmapping is available
     */
    public static MemoryImage mapForSending(int pageSize, Map<BlockSpec, Path> files, int windowShift) {
        return MemoryImage.map(pageSize, files, false, windowShift, true);
    }
}
