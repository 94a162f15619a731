"""The `ls` tree, drawn as configshell-fb's _render_tree draws it, in one pass.

configshell-fb recomputes every node's path from the root (for its colour
level), asks the terminal its width (an ioctl) and concatenates each subtree's
text into its parent's, per node: a large `ls` spent more time there than
reading configfs (scripts/bench-results.md).  Same characters, colours and order; the width is asked
once and the level passed down.
"""


def _plain(text, fgcolor=None, styles=None):
    return text


class TreeDrawer:
    """Lines of the tree under one node, for one console and one set of preferences."""

    def __init__(self, shell):
        self.con = shell.con
        self.width = shell.con.get_width()
        self.node_char = 'o' if shell.prefs['tree_round_nodes'] else '+'
        self.status = shell.prefs['tree_status_mode']
        self.lines = []
        # colour off (not a tty, or color_mode false): skip render_text's checks per word
        self.render = shell.con.render_text
        if self.render('x', 'red', styles=['bold']) == 'x':
            self.render = _plain

    def draw(self, root, depth, show_root):
        """The whole tree text under root (root's own line if show_root)."""
        level = root.path.rstrip('/').count('/')
        shell = root.shell
        shell.ls_memo = {}      # facts several lines share, for this one drawing only
        try:
            if show_root:
                self.node(root, '', False, depth, level, root_call=True)
            else:
                for child in root.children:
                    self.node(child, '', False, depth, level + 1)
        finally:
            shell.ls_memo = None
        return '\n'.join(self.lines)

    def node(self, node, indent, more, depth, level, root_call=False):
        """node's line, then its subtree; `more`: siblings follow below (a '|' rail)."""
        self.lines.append(self.line(node, indent, level, root_call))
        if depth is not None and depth <= 0:
            return
        depth = None if depth is None else depth - 1
        indent += '| ' if more else '  '
        children = node.children            # sorted by natural key, as configshell sorts
        last = len(children) - 1
        for i, child in enumerate(children):
            self.node(child, indent, i < last, depth, level + 1)

    def line(self, node, indent, level, root_call):
        render = self.render
        colour = None if not level % 3 else 'blue' if not (level - 1) % 3 else 'magenta'
        name = render(node.name, colour, styles=['bold', 'underline'] if root_call else ['bold'])
        description, healthy = node.summary()
        if healthy is True:
            description = description or 'OK'
            shown = render(description, 'green')
        elif healthy is False:
            description = description or 'ERROR'
            shown = render(description, 'red', styles=['bold'])
        else:
            description = shown = description or '...'
        prefix = indent + self.node_char + '- '
        text = prefix + name
        if self.status:
            pad = (self.width - 1 - (len(description) + 3) - len(prefix) - len(node.name)) * '.'
            summary = render(' [', styles=['bold']) + shown + render(']', styles=['bold'])
            text += f' {render(pad, colour)}{summary}'
        return text
