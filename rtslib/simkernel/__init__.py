"""Simulated LIO kernel: configfs rules applied to a plain directory tree.

`SimConfigFS(simdir)` has the backend interface of rtslib.configfs.RealConfigFS
(exists, isdir, islink, listdir, mkdir, rmdir, read, write, symlink, readlink,
unlink, abspath, `simulated = True`, `sim_root`).  Nothing happens at import;
the first call makes, under DIR:

  sys/kernel/config/target/  the tree as the kernel shows it (what `ls -R` shows;
                             successive processes share it)
  .simstate/                 bookkeeping the kernel keeps in memory: one small
                             JSON file per object (hashed path), counters, the
                             network-portal registry, template caches
  sim-host.json              the simulated machine (host.DEFAULT_HOST): fabric
                             modules, IP and RDMA addresses, block and SCSI
                             devices, files and directories fileio may use

Beyond the interface:
  host()                     the sim-host.json dict (rtslib checks devices here
                             instead of on the real host)
  configure_host(**facts)    change facts, e.g. rdma_addresses=['192.0.2.1'],
                             ip_addresses=[...], claimed_devices=['/dev/sdb'],
                             block_devices={'/dev/sdd': {'size': ..., ...}}
  write(path, value, create=False)
                             create=True is the shell's `>` (O_CREAT): a missing
                             file is then EACCES instead of ENOENT, an empty
                             value no write(2) instead of EFAULT

Layout: kinds.py (what a path is), rules.py (attribute rules as tables),
writes.py / objects.py (the kernel's checks and bookkeeping), render.py (files
that follow state), data/templates.json (what mkdir creates, generated from the
recordings by data/gen_templates.py), fs.py (the interface), store.py (files).
"""
from rtslib.simkernel.fs import SimConfigFS

__all__ = ['SimConfigFS']
