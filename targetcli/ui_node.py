"""Base UI nodes: lazily built children, masked secrets, all-or-nothing `set`.

Nodes are made on demand: resolving /iscsi/IQN/tpg1/luns asks each parent
for one child by name (lookup_child), and only `ls`-like commands that need
every child call load_children().  ConfigNode.__init__ is not used because
it scans all siblings and defines every global parameter on each node.
"""
import re
import sys

from targetcli.cshell import ConfigNode, ExecutionError

from targetcli.tokens import MASK, is_secret, remember_secret

GLOBAL_PARAMS = (
    ('tree_round_nodes', 'bool', 'Tree node display style.'),
    ('tree_status_mode', 'bool', 'Whether or not to display status in tree.'),
    ('tree_max_depth', 'number', 'Maximum depth of displayed node tree.'),
    ('tree_show_root', 'bool', 'Whether or not to display tree root.'),
    ('color_mode', 'bool', 'Console color display mode.'),
    ('loglevel_console', 'loglevel', 'Log level for messages going to the console.'),
    ('loglevel_file', 'loglevel', 'Log level for messages going to the log file.'),
    ('logfile', 'string', 'Logfile to use.'),
    ('color_default', 'colordefault', 'Default text display color.'),
    ('color_path', 'color', 'Color to use for path completions'),
    ('color_command', 'color', 'Color to use for command completions.'),
    ('color_parameter', 'color', 'Color to use for parameter completions.'),
    ('color_keyword', 'color', 'Color to use for keyword completions.'),
    ('prompt_length', 'number', 'Max length of the shell prompt path, 0 for infinite.'),
    ('export_backstore_name_as_model', 'bool',
     'If true, the backstore name is used for the scsi inquiry model name.'),
    ('auto_enable_tpgt', 'bool', 'If true, automatically enables TPGTs upon creation.'),
    ('auto_add_mapped_luns', 'bool',
     'If true, automatically create node ACLs mapped LUNs after creating a new '
     'target LUN or a new node ACL'),
    ('auto_cd_after_create', 'bool', 'If true, changes current path to newly created objects.'),
    ('auto_save_on_exit', 'bool', 'If true, saves configuration on exit.'),
    ('auto_add_default_portal', 'bool',
     'If true, adds a portal listening on all IPs to new targets.'),
    ('max_backup_files', 'backups',
     'Max no. of configurations to be backed up in /etc/target/backup/ directory.'),
)


def shown(name, value, reveal=False):
    """A value as printed: CHAP secrets masked unless explicitly revealed."""
    if is_secret(name) and value:
        remember_secret(str(value))
        if not reveal:
            return MASK
    return value


_TRAILING_NUMBER = re.compile(r'(.*?)(\d+)$')


def _natural_key(name):
    match = _TRAILING_NUMBER.match(name)
    return (match.group(1), int(match.group(2))) if match else (name, 0)


def _tolerant(summary):
    """A summary that shows a broken object as ERROR instead of failing all of `ls`."""
    def wrapped(self):
        from rtslib.errors import RTSLibError
        try:
            return summary(self)
        # besides the library's errors: what a kernel file of unexpected content
        # does to a summary's parsing
        except (RTSLibError, OSError, ValueError, LookupError, AttributeError) as err:
            return (f"ERROR: {err}", False)
    wrapped.__doc__ = summary.__doc__
    return wrapped


def finished_completions(completions):
    """A lone completion gets its trailing space: the word is finished."""
    if len(completions) == 1:
        return [completions[0] + ' ']
    return completions


class UINode(ConfigNode):
    """A targetcli node whose children are built when first needed."""

    aliases = {}      # other names a child can be reached by (seed dialect)
    param_aliases = {}  # (group, alias) -> parameter name

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if 'summary' in cls.__dict__:
            cls.summary = _tolerant(cls.__dict__['summary'])

    def __init__(self, name, parent=None, shell=None):
        self._name = name
        self._parent = parent
        self._shell = shell if parent is None else parent._shell
        self._kids = {}
        self._sorted = None     # children in display order, until a child comes or goes
        self._all_loaded = False
        if parent is None:
            shell.attach_root_node(self)
        else:
            parent._kids[name] = self
            parent._sorted = None

    # configshell finds the shell by walking up to the root on every use; each node
    # has it from its parent instead (an ls asks it once per line)
    shell = property(lambda self: self._shell)

    # -- children -----------------------------------------------------------

    def load_children(self):
        """Create every child node (subclasses)."""

    def lookup_child(self, name):
        """Create and return the one child called name, or None (subclasses)."""
        return None

    def _list_children(self):
        if not self._all_loaded:
            self._kids, self._sorted = {}, None
            self.load_children()
            self._all_loaded = True
        if self._sorted is None:    # an ls asks twice per node (its count, then its lines)
            self._sorted = sorted(self._kids.values(), key=lambda n: _natural_key(n.name))
        return list(self._sorted)

    children = property(_list_children, doc="All child nodes (built on first use).")

    def get_child(self, name):
        name = self.aliases.get(name, name)
        kid = self._kids.get(name)
        if kid is None and not self._all_loaded:
            kid = self.lookup_child(name)
        if kid is None:
            raise ValueError(f"No such path {self.path.rstrip('/')}/{name}{self._hint()}")
        return kid

    def _hint(self):
        """' (in /x: a, b, c)': what the user could have meant (error path only)."""
        try:
            names = [kid.name for kid in self.children]
        except Exception:  # noqa: BLE001 - a hint must never hide the real error
            return ''
        if not names:
            return f" ({self.path} is empty)"
        shown = ', '.join(names[:8]) + (', ...' if len(names) > 8 else '')
        return f" (in {self.path}: {shown})"

    def ui_command_cd(self, path=None):
        '''
        Change current path to path.

        The path is constructed just like a unix path, with "/" as separator
        character, "." for the current node, ".." for the parent node.
        Bookmarks work too (`cd @mybookmark`).

        You can also navigate the path history with "<" and ">":
            - `cd <` takes you back one step in the path history
            - `cd >` takes you one step forward in the path history

        Without a path, an interactive terminal shows the tree to pick from.
        '''
        if path is None and not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise ExecutionError("cd needs a path here (e.g. `cd /iscsi`); the tree browser "
                                 "of a bare `cd` needs an interactive terminal")
        target = ConfigNode.ui_command_cd(self, path)
        self._trim_history()
        return target

    def _trim_history(self, keep=100):
        """The path history is saved in the preferences: keep it bounded."""
        history = self.prefs['path_history'] or []
        if len(history) > keep:
            drop = len(history) - keep
            self.prefs['path_history'] = history[drop:]
            self.prefs['path_history_index'] = max(0, self.prefs['path_history_index'] - drop)

    def ui_command_help(self, topic=None):
        '''
        Displays the manual page for a topic, or list available topics.
        '''
        if topic is not None and topic not in self.list_commands():
            raise ExecutionError(f"Cannot find help topic {topic} (topics at {self.path}: "
                                 f"{', '.join(sorted(self.list_commands()))})")
        return ConfigNode.ui_command_help(self, topic)

    def ui_command_ls(self, path=None, depth=None):
        '''
        Display either the nodes tree relative to path or to the current node.
        A number alone is taken as the depth (`ls 1`).

        PARAMETERS
        ==========

        path
        ----
        The path to display the nodes tree of. Can be an absolute path, a
        relative path or a bookmark.

        depth
        -----
        The depth parameter limits the maximum depth of the tree to display.
        If set to 0, then the complete tree will be displayed (the default).
        '''
        if path is not None and depth is None and path.isdigit():
            try:
                self.get_node(path)
            except ValueError:
                path, depth = None, path
        return ConfigNode.ui_command_ls(self, path, depth)

    def _render_tree(self, root, margin=None, depth=None, do_list=False):
        """configshell-fb's tree, drawn in one pass (targetcli/tree.py); the list form
        (the interactive tree browser) stays configshell's."""
        if do_list or margin is not None:
            return ConfigNode._render_tree(self, root, margin, depth, do_list)
        from targetcli.tree import TreeDrawer
        return TreeDrawer(self.shell).draw(root, depth, self.shell.prefs['tree_show_root'])

    def remove_child(self, child):
        self._kids.pop(child.name, None)
        self._sorted = None

    def refresh(self):
        """Forget the children: they are rebuilt from the kernel when next needed."""
        self._kids = {}
        self._sorted = None
        self._all_loaded = False

    # -- configuration groups, defined on first use ---------------------------

    @property
    def _configuration_groups(self):
        groups = self.__dict__.get('_cfg_groups')
        if groups is None:
            groups = self.__dict__['_cfg_groups'] = {}
            for name, kind, desc in GLOBAL_PARAMS:
                self.define_config_group_param('global', name, kind, desc)
            self.define_groups()
        return groups

    def define_groups(self):
        """Define the node's own configuration groups (subclasses)."""

    def list_config_groups(self):
        return list(self._configuration_groups.keys())

    # -- helpers for subclasses -----------------------------------------------

    @property
    def prefs(self):
        return self.shell.prefs

    def complete_child_names(self, text, strip=0):
        """Completions of the children's names, each less its first `strip` characters
        (lun3 -> 3)."""
        return finished_completions([c.name[strip:] for c in self.children
                                     if c.name[strip:].startswith(text)])

    def info(self, msg):
        self.shell.log.info(msg)

    def new_node(self, node):
        """Honour auto_cd_after_create; remember the node as bookmark @last."""
        self.prefs['bookmarks']['last'] = node.path
        self.prefs.save()
        if self.prefs['auto_cd_after_create']:
            self.info(f"Entering new node {node.path}")
            return self.ui_command_cd(node.path)
        return None

    def ui_eval(self, value, kind, default, name):
        """ui_eval_param with the parameter named in the error."""
        try:
            return self.ui_eval_param(value, kind, default)
        except ExecutionError as err:
            raise ExecutionError(f"Invalid {name}: {err}") from None

    # -- commands -------------------------------------------------------------

    def execute_command(self, command, pparams=(), kparams=None):
        kparams = kparams or {}
        if command not in self.list_commands():
            raise ExecutionError(
                f"Command not found {command} (commands at {self.path}: "
                f"{', '.join(sorted(self.list_commands()))})")
        method = self.get_command_method(command)
        try:
            self.assert_params(method, list(pparams), kparams)
        except ExecutionError as err:
            syntax = self.get_command_syntax(command)[0].strip()
            raise ExecutionError(f"{str(err).rstrip('.')}. Syntax: {syntax}") from None
        return method(*pparams, **kparams)

    def ui_command_refresh(self):
        '''
        Refreshes and updates the objects tree from the current path.
        '''
        self.refresh()

    def ui_command_status(self):
        '''
        Displays the current node's status summary.

        SEE ALSO
        ========
        ls
        '''
        description = self.summary()[0]
        self.info(f"Status for {self.path}: {description}")

    def ui_command_set(self, group=None, **parameter):
        '''
        Sets one or more configuration parameters in the given group.
        The "global" group contains all global CLI preferences.
        Other groups are specific to the current path.

        Run with no parameter nor group to list all available groups, or
        with just a group name to list all available parameters within that
        group.

        Either every parameter is set or none: values are all checked first,
        and a kernel refusal undoes the ones already written.  CHAP secrets
        are never echoed (shown as ********).

        Example: set global color_mode=true loglevel_console=info
        '''
        if group is not None:
            self._check_group(group)
        if group is None or not parameter:
            return ConfigNode.ui_command_set(self, group)
        self._check_group(group)
        plan = [self._plan_set(group, name, value) for name, value in parameter.items()]
        done = []
        for name, canon, kind, value in plan:
            old = self._safe_get(group, canon)
            try:
                self.get_group_setter(group)(canon, value)
            except Exception:
                self._undo(group, done)
                raise
            done.append((canon, old))
        for name, canon, kind, value in plan:
            value = self.get_type_method(kind)(self.get_group_getter(group)(canon),
                                                reverse=True)
            self.shell.con.display(f"Parameter {name} is now '{shown(canon, value)}'.")
        return None

    def _check_group(self, group):
        if group not in self.list_config_groups():
            raise ExecutionError(f"Unknown configuration group: {group} (groups at "
                                 f"{self.path}: {', '.join(self.list_config_groups())})")

    def _canonical(self, group, name):
        return self.param_aliases.get((group, name), name)

    def _plan_set(self, group, name, value):
        canon = self._canonical(group, name)
        if canon not in self.list_group_params(group):
            known = ', '.join(self.list_group_params(group, writable=True))
            raise ExecutionError(f"Unknown parameter {name} in group '{group}'. "
                                 f"Writable parameters: {known or 'none'}")
        p_def = self.get_group_param(group, canon)
        if not p_def['writable']:
            raise ExecutionError(f"Parameter {name} is read-only.")
        try:
            converted = self.get_type_method(p_def['type'])(value)
        except ValueError as msg:
            raise ExecutionError(f"Not setting {name}! {msg}") from None
        if converted is None and value is not None and p_def['type'] != 'string':
            # configshell turns an empty NUMBER into None, which would be written as
            # 'None'; an empty string clears (set auth userid=)
            syntax = self.get_type_method(p_def['type'])()
            raise ExecutionError(f"Not setting {name}! An empty value is not {syntax}; "
                                 f"give one ({name}=VALUE).")
        return name, canon, p_def['type'], converted

    def _safe_get(self, group, name):
        try:
            return self.get_group_getter(group)(name)
        except Exception:  # noqa: BLE001 - only used to undo; unreadable means no undo
            return None

    def _undo(self, group, done):
        for name, old in reversed(done):
            try:
                self.get_group_setter(group)(name, old)
            except Exception:  # noqa: BLE001 - best effort; the original error is raised
                pass

    def ui_command_get(self, group=None, *parameter, **options):
        '''
        Gets the value of one or more configuration parameters in the given
        group.

        Run with no parameter nor group to list all available groups, or
        with just a group name to list all available parameters within that
        group.

        CHAP secrets are shown as ******** unless the option
        show_secrets=true is given (e.g. `get auth password show_secrets=true`).

        Example: get global color_mode loglevel_console
        '''
        unknown = set(options) - {'show_secrets'}
        if unknown:
            raise ExecutionError(f"Unknown option {sorted(unknown)[0]} for get: "
                                 "the only option is show_secrets=true|false")
        reveal = self.ui_eval(options.get('show_secrets'), 'bool', False, 'show_secrets')
        if group is None:
            return ConfigNode.ui_command_get(self)
        self._check_group(group)
        if not parameter:
            self._show_group(group, reveal)
            return None
        for name in parameter:
            canon = self._canonical(group, name)
            if canon not in self.list_group_params(group):
                raise ExecutionError(f"No parameter '{name}' in group '{group}' (known: "
                                     f"{', '.join(self.list_group_params(group))}).")
        for name in parameter:
            canon = self._canonical(group, name)
            p_def = self.get_group_param(group, canon)
            value = self.get_type_method(p_def['type'])(
                self.get_group_getter(group)(canon), reverse=True)
            writable = '' if p_def['writable'] else '[ro]'
            self.shell.con.display(f"{name}={shown(canon, value, reveal)} {writable}")
        return None

    def _show_group(self, group, reveal):
        section = f"{group.upper()} CONFIG GROUP"
        text = f"{section}\n{'=' * len(section)}\n"
        getter = self.get_group_getter(group)
        for name in self.list_group_params(group):
            p_def = self.get_group_param(group, name)
            value = self.get_type_method(p_def['type'])(getter(name), reverse=True)
            line = f"{name}={shown(name, value, reveal)}"
            if not p_def['writable']:
                line += " [ro]"
            text += f"{line}\n{'-' * len(line)}\n{p_def['description']}\n\n"
        self.shell.con.raw_write(text, output=self.shell.out)

    def ui_setgroup_global(self, parameter, value):
        if parameter == 'logfile' and self.shell.simdir and value:
            from targetcli.shell import _inside
            if not _inside(value, self.shell.simdir):
                raise ExecutionError(f"In simulated mode the log file must be inside "
                                     f"{self.shell.simdir}")
        self.prefs[parameter] = value

    def ui_type_bool(self, value=None, enum=False, reverse=False):
        """true|false, and 1|0 as targetcli-fb's own help writes them (write_protect=1)."""
        if reverse or value is None:
            return super().ui_type_bool(value, enum, reverse)
        words = {'true': True, '1': True, 'false': False, '0': False}
        if str(value).lower() not in words:
            raise ValueError(f"Syntax error, '{value}' is not true|false (or 1|0).")
        return words[str(value).lower()]

    def ui_type_backups(self, value=None, enum=False, reverse=False):
        """max_backup_files: a whole number, at least 1 (kept as a string, as
        targetcli-fb keeps it in its preferences)."""
        if reverse:
            return value
        if value is None:
            return None if enum else 'NUMBER (1 or more)'
        if not re.fullmatch(r'[0-9]+', str(value).strip()) or int(value) < 1:
            raise ValueError(f"Syntax error, '{value}' is not a number of backups to keep "
                             f"(1 or more).")
        return str(int(value))

    def ui_type_yesno(self, value=None, enum=False, reverse=False):
        '''Yes/No values of iSCSI session parameters.'''
        if reverse:
            return value if value is not None else 'n/a'
        choices = ('Yes', 'No')
        if value is None:
            return choices if enum else '|'.join(choices)
        if value in choices:
            return value
        raise ValueError(f"Syntax error, '{value}' is not Yes|No.")

    def numbered_child(self, pattern, name, make):
        """make(N) for a name that pattern matches with N as its group 1, or None:
        no such name, or the kernel has no such object."""
        from rtslib.errors import RTSLibError
        match = pattern.match(name)
        if not match:
            return None
        try:
            return make(int(match.group(1)))
        except RTSLibError:
            return None


class UIListing(UINode):
    """A directory of one kind of child (luns/, acls/, portals/, alua/): it lists
    them from its owner (the parent's library object), looks one up by name and
    counts them in its summary.  Subclasses say which, as data, and lookup()."""

    dir_name = None     # its name: 'luns'
    counted = None      # what the summary counts: 'LUNs' -> 'LUNs: 3'
    listing = None      # the owner's attribute that lists the children: 'luns'
    child_class = None  # the node class of a child: UILUN

    def __init__(self, parent):
        super().__init__(self.dir_name, parent)
        self.owner = parent.rtsnode

    def lookup(self, name):
        """The library object a child's name stands for; None for a name of no
        child; RTSLibError when there is none (subclasses)."""
        raise NotImplementedError

    def load_children(self):
        for rtsobj in getattr(self.owner, self.listing):
            self.child_class(rtsobj, self)

    def lookup_child(self, name):
        from rtslib import RTSLibError
        try:
            rtsobj = self.lookup(name)
        except RTSLibError:
            return None
        return None if rtsobj is None else self.child_class(rtsobj, self)

    def summary(self):
        return (f"{self.counted}: {len(self.children)}", None)


class UIRTSLibNode(UINode):
    """A node that shows one rtslib object (self.rtsnode)."""

    # group -> table of ui_help.json that describes its names
    help_tables = {}

    def __init__(self, name, rtsnode, parent):
        self.rtsnode = rtsnode
        super().__init__(name, parent)

    def define_groups(self):
        from targetcli.ui_help import descriptions
        for group in ('attribute', 'parameter'):
            self._define_from_rtslib(group, descriptions(self.help_tables.get(group)))

    def _define_from_rtslib(self, group, descriptions):
        lister = getattr(self.rtsnode, f'list_{group}s', None)
        if lister is None:
            return
        names = lister()
        read_only = set(lister(writable=False))
        for name in names:
            kind, desc = descriptions.get(name, ('string', None))
            self.define_config_group_param(group, name, kind, desc or None,
                                           name not in read_only)

    def ui_getgroup_attribute(self, attribute):
        return self.rtsnode.get_attribute(attribute)

    def ui_setgroup_attribute(self, attribute, value):
        self.rtsnode.set_attribute(attribute, value)

    def ui_getgroup_parameter(self, parameter):
        return self.rtsnode.get_parameter(parameter)

    def ui_setgroup_parameter(self, parameter, value):
        self.rtsnode.set_parameter(parameter, value)

    def ui_command_info(self):
        '''
        Displays the object's settings (CHAP secrets shown as ********).
        '''
        info = self.rtsnode.dump()
        for name, value in sorted(info.items()):
            if name in ('attributes', 'parameters') or isinstance(value, (dict, list)):
                continue
            self.info(f"{name}: {shown(name, value)}")
