"""configshell-fb, and the private parts of it targetcli relies on.

configshell-fb has no public way to run an already parsed command, to
dispatch completion for tokens we split ourselves, to draw the prompt, or to
redirect its log file, so TargetShell and UINode use some of its private
members.  CONTRACT names each one; check() verifies them once when the shell
starts, so a configshell-fb release without one gives one line and exit
status 2, never a traceback at a user's prompt, and tests/test_cli_configshell.py
checks them (and that configshell-fb still reads the state we set) against
every version we test with: TESTED_VERSIONS, pinned in tests/run and setup.

Importing configshell_fb imports pyparsing, which targetcli never uses (its
parser drops characters; tokens.py replaces it): that cost is paid rather
than hiding pyparsing from the import system.
"""
import configshell_fb as _cs

# Debian 12's python3-configshell-fb, and the PyPI release tests/run installs
TESTED_VERSIONS = ('1.1.28', '2.0.3')

# (class, member, kind): 'method' we call or override and configshell calls;
# 'state' an attribute we set (ConfigShell.__init__ and ConfigNode.__init__
# are not called) that configshell's own methods read.
CONTRACT = (
    ('ConfigShell', '_execute_command', 'method'),
    ('ConfigShell', '_dispatch_completion', 'method'),
    ('ConfigShell', '_get_prompt', 'method'),
    ('ConfigShell', '_current_node', 'state'),
    ('ConfigShell', '_root_node', 'state'),
    ('ConfigShell', '_exit', 'state'),
    ('ConfigShell', '_current_parameter', 'state'),
    ('ConfigShell', '_completion_help_topic', 'state'),
    ('ConfigNode', '_render_tree', 'method'),
    ('ConfigNode', '_name', 'state'),
    ('ConfigNode', '_parent', 'state'),
    ('ConfigNode', '_configuration_groups', 'state'),
    ('Prefs', '_prefs', 'state'),
    ('Log', '_log', 'method'),
    ('Log', '_append', 'method'),
)


class Incompatible(Exception):
    """The installed configshell-fb lacks a member targetcli needs."""


def missing_methods():
    """'Class.member' of each contract method the installed configshell-fb lacks."""
    return [f'{cls}.{name}' for cls, name, kind in CONTRACT
            if kind == 'method' and not callable(getattr(getattr(_cs, cls), name, None))]


def check():
    """Raise Incompatible, naming what is missing and what to install."""
    missing = missing_methods()
    if missing:
        raise Incompatible(
            f"configshell-fb {version()} lacks {', '.join(missing)}, which targetcli needs; "
            f"install a tested version ({' or '.join(TESTED_VERSIONS)})")


def version():
    from importlib import metadata  # error path and tests only
    try:
        return metadata.version('configshell-fb')
    except metadata.PackageNotFoundError:
        return '(unknown version)'


ConfigNode = _cs.ConfigNode
ConfigShell = _cs.ConfigShell
ExecutionError = _cs.ExecutionError
Console = _cs.Console
Log = _cs.Log
Prefs = _cs.Prefs
