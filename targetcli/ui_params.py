"""What the TPG and node ACL nodes share: their CHAP (auth) group."""
from rtslib.node import AUTH_PARAMS  # the CHAP settings, as rtslib names them

# the seed page (Datera's targetcli) names the TPG's mutual CHAP this way
AUTH_ALIASES = {('auth', 'userid_mutual'): 'mutual_userid',
                ('auth', 'password_mutual'): 'mutual_password'}


def define_auth_group(node, tpg):
    """node's auth group: the CHAP settings, where tpg's fabric has them."""
    if tpg.has_feature('auth'):
        for param in AUTH_PARAMS:
            node.define_config_group_param('auth', param, 'string')
