"""Exit statuses shared by targetcli and targetctl (README and man pages list them)."""
OK = 0          # success
FAILED = 1      # a command failed; nothing, or only what was reported, changed
USAGE = 2       # bad invocation, or LIO not usable here
DIFFERS = 3     # plan/diff: the live configuration differs from the file (not a failure)
PARTIAL = 4     # a restore/apply finished but left the named parts unapplied on purpose

# the man pages' EXIT STATUS section (scripts/gen_man.py) and targetctl --help
MEANINGS = (
    (OK, 'Success.'),
    (FAILED, 'A command failed; nothing, or only what was reported, was changed.'),
    (USAGE, 'Bad invocation, or LIO is not usable here (configfs not mounted, '
            'target_core_mod not loaded, not root); the message says how to fix it.'),
    (DIFFERS, 'plan or diff: the live configuration differs from the file, there is '
              'something to do. Not a failure.'),
    (PARTIAL, 'Partly done on purpose: a restore or apply finished but left the named '
              'parts unapplied (a merge restore that kept conflicting live objects, '
              'targetctl --skip-missing restore with missing devices).'),
)
