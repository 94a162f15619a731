"""Continuous I/O on an initiator's disk while the target is being reconfigured.

A thread writes random 64 KiB blocks round-robin over a region with O_DIRECT and
reads each one back at once; at the end every block is read again and compared
with what was last written there (sha256).  Any I/O error is kept, never retried
away, so a dropped session or a LUN that went away shows as an error.
"""
import hashlib
import mmap
import os
import threading
import time

BLOCK = 64 << 10


class LiveIO(threading.Thread):
    def __init__(self, dev, region=8 << 20, block=BLOCK):
        super().__init__(daemon=True)
        self.dev, self.block, self.blocks = dev, block, region // block
        self.sums = {}               # block index -> sha256 of what was last written there
        self.errors = []
        self.done = 0                # write + read-back pairs that matched
        self.mismatches = 0
        self.stopping = threading.Event()
        self.started = None

    def run(self):
        out, back = mmap.mmap(-1, self.block), mmap.mmap(-1, self.block)   # aligned
        fd = os.open(self.dev, os.O_RDWR | os.O_DIRECT)
        self.started = time.time()
        try:
            i = 0
            while not self.stopping.is_set():
                idx = i % self.blocks
                data = os.urandom(self.block)
                out.seek(0)
                out.write(data)
                try:
                    os.pwrite(fd, out, idx * self.block)
                    os.preadv(fd, [back], idx * self.block)
                except OSError as e:
                    self.errors.append('block %d: %s' % (idx, e))
                    if len(self.errors) >= 5:
                        break
                    continue
                self.sums[idx] = hashlib.sha256(data).hexdigest()
                if hashlib.sha256(back).hexdigest() == self.sums[idx]:
                    self.done += 1
                else:
                    self.mismatches += 1
                i += 1
        finally:
            os.close(fd)

    def wait_for(self, count, timeout=120):
        """Block until `count` round trips are done (the I/O is really flowing)."""
        end = time.time() + timeout
        while self.done < count and self.is_alive() and time.time() < end:
            time.sleep(0.1)
        return self.done

    def finish(self):
        """Stop, read every block written once more, and say how it went."""
        self.stopping.set()
        self.join(300)
        final_bad = []
        buf = mmap.mmap(-1, self.block)
        fd = os.open(self.dev, os.O_RDONLY | os.O_DIRECT)
        try:
            for idx, want in sorted(self.sums.items()):
                os.preadv(fd, [buf], idx * self.block)
                if hashlib.sha256(buf).hexdigest() != want:
                    final_bad.append(idx)
        except OSError as e:
            self.errors.append('final read: %s' % e)
        finally:
            os.close(fd)
        return {'round_trips': self.done, 'mismatches': self.mismatches, 'errors': self.errors,
                'blocks_checked_at_end': len(self.sums), 'blocks_changed_at_end': final_bad,
                'seconds': round(time.time() - (self.started or time.time()), 1)}
