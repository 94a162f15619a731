"""The fields of the save document (rtslib-fb's saveconfig.json), and their value kinds.

Each class whose dump() writes a part of the document declares that part's
fields next to its dump() as SAVE_FIELDS = (required, optional), {name: kind};
rtslib/saveconfig/schema.py validates files against those declarations, and
a test checks every dump against them, so the writer and the checker cannot
drift apart.  '*' in optional: any other name, of that kind.
"""

BOOL, INT, STR, OPT_STR, ATTRS, PARAMS, ANY = (
    'boolean', 'integer', 'string', 'string or null', 'attributes', 'parameters', 'any')

# A nested list of objects is named by its key (checked by its own walker).
NESTED = ('alua_tpgs', 'tpgs', 'luns', 'portals', 'node_acls', 'mapped_luns')

# CHAP fields of a TPG or an ACL; rtslib-fb's man page spells them without chap_ in places
AUTH = {'chap_userid': STR, 'chap_password': STR,
        'chap_mutual_userid': STR, 'chap_mutual_password': STR,
        'userid': STR, 'password': STR, 'mutual_userid': STR, 'mutual_password': STR}
