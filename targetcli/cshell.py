"""configshell-fb, imported without its command-line parser.

configshell-fb imports pyparsing (a third of targetcli's start-up time) only
to build the command grammar in ConfigShell.__init__, which targetcli never
calls: its parser drops characters, so tokens.py replaces it.  While
configshell_fb is first imported, a placeholder module stands in for
pyparsing; it is removed right after, so a later `import pyparsing`
anywhere in the process gets the real one.
"""
import sys
import types

_PARSER_NAMES = ('OneOrMore', 'Optional', 'ParseResults', 'Regex', 'Suppress', 'Word',
                 'alphanums', 'locatedExpr')


def _import_configshell():
    if 'configshell_fb' in sys.modules or 'pyparsing' in sys.modules:
        import configshell_fb
        return configshell_fb
    placeholder = types.ModuleType('pyparsing')
    for name in _PARSER_NAMES:
        setattr(placeholder, name, None)
    sys.modules['pyparsing'] = placeholder
    try:
        import configshell_fb
    finally:
        if sys.modules.get('pyparsing') is placeholder:
            del sys.modules['pyparsing']
    return configshell_fb


_cs = _import_configshell()
ConfigNode = _cs.ConfigNode
ConfigShell = _cs.ConfigShell
ExecutionError = _cs.ExecutionError
Console = _cs.Console
Log = _cs.Log
Prefs = _cs.Prefs
