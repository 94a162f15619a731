"""Command-line tokenizer and CHAP-secret masking.

configshell-fb's pyparsing grammar silently drops characters it does not
know (`password=ab^cd` became `ab`), so every line and argv is tokenized here
with shlex, and each token reaches the command method byte for byte.
"""
import re
import shlex

MASK = '********'
_KPARAM = re.compile(r'([A-Za-z_][A-Za-z0-9_-]*)=(.*)\Z', re.S)
_COMMAND = re.compile(r'[A-Za-z_][A-Za-z0-9_]*\Z')
_SECRET_ASSIGN = re.compile(r'(password\w*\s*[=:]\s*)(\'[^\']*\'|"[^"]*"|[^\s,;}\]\)]*)',
                            re.I)

# values the user gave for secret parameters during this process; messages,
# history and the log are scrubbed of them (see scrub()).
_known_secrets = set()


class ParseError(Exception):
    """A command line that cannot be tokenized or classified."""


class Command:
    """One parsed command line: [path] [command] [pparams...] [key=value...]."""

    def __init__(self, path='', command='', pparams=None, kparams=None):
        self.path = path
        self.command = command
        self.pparams = pparams or []
        self.kparams = kparams or {}


def is_secret(name):
    """True for the parameter names that carry a CHAP secret."""
    return 'password' in name.lower()


def split_line(line):
    """Tokens of one command line, shell-style quoting; ParseError if unbalanced."""
    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ''
    try:
        return list(lexer)
    except ValueError as err:
        raise ParseError(f"Cannot parse the command line ({err}): "
                         "close the quote, or escape it with a backslash") from None


def is_path(token):
    """Whether a leading token names a node (configshell's rule, made explicit)."""
    if _KPARAM.match(token):
        return False
    return token in ('.', '..', '*') or token.startswith('@') or '/' in token


def classify(tokens):
    """Command for a token list: first a path (optional), then a command name."""
    tokens = list(tokens)
    cmd = Command()
    if tokens and is_path(tokens[0]):
        cmd.path = tokens.pop(0)
    if tokens and not _KPARAM.match(tokens[0]):
        name = tokens.pop(0)
        if not _COMMAND.match(name):
            raise ParseError(f"'{scrub(name)[:80]}' is not a command name nor a path: "
                             "type `help` for the commands of this node")
        cmd.command = name
    for token in tokens:
        match = _KPARAM.match(token)
        if match is None:
            cmd.pparams.append(token)
            continue
        key, value = match.groups()
        if key in cmd.kparams:
            raise ParseError(f"Duplicate parameter {key}: give each parameter once")
        if is_secret(key) and value:
            _known_secrets.add(value)
        cmd.kparams[key] = value
    if cmd.kparams and not cmd.command:
        raise ParseError("Parameters without a command: write COMMAND key=value, "
                         "e.g. `set auth userid=...`")
    return cmd


def mask_tokens(tokens):
    """The tokens with every secret value replaced by MASK."""
    out = []
    for token in tokens:
        match = _KPARAM.match(token)
        if match and is_secret(match.group(1)) and match.group(2):
            token = f"{match.group(1)}={MASK}"
        out.append(token)
    return out


def mask_line(line):
    """A command line safe for history and logs (secret values masked)."""
    try:
        tokens = split_line(line)
    except ParseError:
        return scrub(line)
    masked = mask_tokens(tokens)
    if masked == tokens:
        return scrub(line)
    return ' '.join(shlex.quote(t) if t != MASK and not t.endswith('=' + MASK)
                    else t for t in masked)


_secrets_pattern = {}


def _known_pattern():
    """One compiled alternation of the known secrets (rebuilt when one is added)."""
    key = len(_known_secrets)
    if _secrets_pattern.get('key') != key:
        alternatives = '|'.join(re.escape(s) for s in sorted(_known_secrets, key=len,
                                                                reverse=True))
        _secrets_pattern.update(key=key, re=re.compile(
            r'(?<![A-Za-z0-9])(?:' + alternatives + r')(?![A-Za-z0-9])') if alternatives
            else None)
    return _secrets_pattern['re']


def scrub(text):
    """Text with known secrets and `password=...` assignments masked."""
    text = str(text)
    pattern = _known_pattern()
    if pattern is not None:
        text = pattern.sub(MASK, text)
    return _SECRET_ASSIGN.sub(lambda m: m.group(1) + (MASK if m.group(2) else ''), text)


def remember_secret(value):
    """Register a secret (read from the kernel) so later output is scrubbed of it."""
    if value:
        _known_secrets.add(value)
