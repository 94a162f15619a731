"""Exit statuses shared by targetcli and targetctl (README and man pages list them)."""
OK = 0          # success
FAILED = 1      # a command failed; nothing, or only what was reported, changed
USAGE = 2       # bad invocation, or LIO not usable here
DIFFERS = 3     # plan/diff: the live configuration differs from the file (not a failure)
PARTIAL = 4     # a restore/apply finished but left the named parts unapplied on purpose
