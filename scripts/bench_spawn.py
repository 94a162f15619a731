"""A small process that starts the measured commands for bench_run.py.

Why a separate process: Linux gives a child the memory high-water mark of the
process it was forked (or vforked) from, so a command started by the
benchmark itself (which grows to hundreds of MB holding a configuration's
counts and traces) would report the benchmark's peak RSS instead of its own.
This helper stays ~10 MB, so ru_maxrss from wait4(2) is the command's own.

Protocol: one JSON request per line on stdin
  {"argv": [...], "env": {...}, "cwd": DIR, "stdout": PATH, "stderr": PATH, "timeout": S}
one JSON answer per line on stdout: {"seconds": S, "maxrss_kib": N, "status": WAITSTATUS,
"cpu": user+system seconds of the command (less sensitive than wall time to a busy machine)}.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time


def run(req):
    with open(req['stdout'], 'wb') as out, open(req['stderr'], 'wb') as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(req['argv'], stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                env=req['env'], cwd=req['cwd'], start_new_session=True)
        timer = threading.Timer(req['timeout'], kill_group, (proc.pid,))
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {'seconds': seconds, 'maxrss_kib': usage.ru_maxrss, 'status': status,
            'cpu': usage.ru_utime + usage.ru_stime}


def kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def main():
    for line in sys.stdin:
        try:
            answer = run(json.loads(line))
        except OSError as e:             # e.g. the program does not exist
            answer = {'seconds': 0.0, 'maxrss_kib': 0, 'status': None, 'error': str(e)}
        sys.stdout.write(json.dumps(answer) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
